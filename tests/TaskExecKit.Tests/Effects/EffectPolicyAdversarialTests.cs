using TaskExecKit.Effects;

namespace TaskExecKit.Tests.Effects;

/// <summary>Tries to escape a granted subtree every way we know; each attempt must be denied, each legitimate request allowed.</summary>
public sealed class EffectPolicyAdversarialTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly string _data;
    private readonly string _outside;
    private readonly EffectPolicy _policy;

    public EffectPolicyAdversarialTests()
    {
        _data = _temp.CreateDirectory("srv", "data");
        _outside = _temp.CreateDirectory("srv", "database");
        _temp.WriteFile("srv/data/ok.txt");
        _temp.WriteFile("srv/database/secret.txt");
        _temp.WriteFile("srv/secret.txt");
        _policy = EffectPolicy.Builder()
            .BaseDirectory(_temp.Path)
            .Grant(Capability.FileRead(_data))
            .Grant(Capability.FileWrite(_data))
            .Build();
    }

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Check_FileInsideGrant_IsAllowed()
    {
        Assert.True(_policy.Check(Capability.FileRead(Path.Combine(_data, "ok.txt"))));
        Assert.True(_policy.Check(Capability.FileWrite(Path.Combine(_data, "new", "file.txt"))));
        Assert.True(_policy.Check(Capability.FileRead(_data)));
        Assert.True(_policy.Check(Capability.FileRead("srv/data/ok.txt")));
    }

    [Theory]
    [InlineData("srv/database/secret.txt")]
    [InlineData("srv/database")]
    [InlineData("srv/data/../database/secret.txt")]
    [InlineData("srv/data/../secret.txt")]
    [InlineData("srv/data/./../../srv/secret.txt")]
    [InlineData("srv/data/../../../../../../etc/passwd")]
    [InlineData("srv/datax")]
    [InlineData("srv")]
    [InlineData("/etc/passwd")]
    public void Check_PathOutsideGrant_IsDenied(string path)
    {
        Assert.False(_policy.Check(Capability.FileRead(path)));
        Assert.False(_policy.Check(Capability.FileWrite(path)));
    }

    [Fact]
    public void Check_SymlinkInsideGrantPointingOutside_IsDenied()
    {
        File.CreateSymbolicLink(Path.Combine(_data, "escape"), _outside);
        File.CreateSymbolicLink(Path.Combine(_data, "file-escape"), Path.Combine(_outside, "secret.txt"));
        File.CreateSymbolicLink(Path.Combine(_data, "relative-escape"), "../database");

        Assert.False(_policy.Check(Capability.FileRead(Path.Combine(_data, "escape", "secret.txt"))));
        Assert.False(_policy.Check(Capability.FileWrite(Path.Combine(_data, "escape", "new.txt"))));
        Assert.False(_policy.Check(Capability.FileRead(Path.Combine(_data, "file-escape"))));
        Assert.False(_policy.Check(Capability.FileWrite(Path.Combine(_data, "file-escape"))));
        Assert.False(_policy.Check(Capability.FileRead(Path.Combine(_data, "relative-escape", "secret.txt"))));
    }

    [Fact]
    public void Check_DotDotAfterSymlink_FollowsTheLinkFirstAsTheKernelDoes()
    {
        // data/deep -> ../database/inner ; data/deep/.. is database (the kernel's answer), not data.
        string inner = _temp.CreateDirectory("srv", "database", "inner");
        File.CreateSymbolicLink(Path.Combine(_data, "deep"), inner);

        Assert.False(_policy.Check(Capability.FileRead(Path.Combine(_data, "deep", "..", "secret.txt"))));
        // .NET's File.Exists applies ".." as text first, so ask the kernel through test(1).
        using var probe = System.Diagnostics.Process.Start("test", ["-f", Path.Combine(_data, "deep", "..", "secret.txt")]);
        probe.WaitForExit();
        Assert.True(probe.ExitCode == 0, "the kernel really does land outside");
    }

    [Fact]
    public void Check_DanglingSymlinkToOutside_IsDeniedForWrite()
    {
        File.CreateSymbolicLink(Path.Combine(_data, "dangling"), Path.Combine(_outside, "not-yet.txt"));

        Assert.False(_policy.Check(Capability.FileWrite(Path.Combine(_data, "dangling"))));
    }

    [Fact]
    public void Check_SymlinkLoop_IsDenied()
    {
        File.CreateSymbolicLink(Path.Combine(_data, "a"), Path.Combine(_data, "b"));
        File.CreateSymbolicLink(Path.Combine(_data, "b"), Path.Combine(_data, "a"));

        Assert.False(_policy.Check(Capability.FileRead(Path.Combine(_data, "a", "x"))));
    }

    [Fact]
    public void Check_SymlinkInsideGrantPointingInside_IsAllowed()
    {
        string sub = _temp.CreateDirectory("srv", "data", "sub");
        File.CreateSymbolicLink(Path.Combine(_data, "alias"), sub);

        Assert.True(_policy.Check(Capability.FileWrite(Path.Combine(_data, "alias", "f.txt"))));
    }

    [Fact]
    public void Check_GrantThroughSymlink_GrantsTheRealDirectory()
    {
        string link = Path.Combine(_temp.Path, "data-link");
        File.CreateSymbolicLink(link, _data);
        var policy = EffectPolicy.Create([Capability.FileRead(link)], _temp.Path);

        Assert.True(policy.Check(Capability.FileRead(Path.Combine(_data, "ok.txt"))));
        Assert.False(policy.Check(Capability.FileRead(Path.Combine(_outside, "secret.txt"))));
    }

    [Fact]
    public void Check_WriteToHardLinkOfOutsideFile_IsDenied()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        string link = Path.Combine(_data, "hard.txt");
        Assert.Equal(0, Link(Path.Combine(_outside, "secret.txt"), link));

        Assert.False(_policy.Check(Capability.FileWrite(link)));
        Assert.True(_policy.Check(Capability.FileWrite(Path.Combine(_data, "ok.txt"))));
    }

    [Fact]
    public void Check_CaseVariantOfGrantedPath_IsDeniedOnLinux()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        Assert.False(_policy.Check(Capability.FileRead(Path.Combine(_temp.Path, "srv", "DATA", "ok.txt"))));
    }

    [Fact]
    public void Check_ReadGrantDoesNotGrantWrite()
    {
        var policy = EffectPolicy.Create([Capability.FileRead(_data)], _temp.Path);

        Assert.True(policy.Check(Capability.FileRead(Path.Combine(_data, "ok.txt"))));
        Assert.False(policy.Check(Capability.FileWrite(Path.Combine(_data, "ok.txt"))));
    }

    [Fact]
    public void Check_EmptyPolicy_DeniesEverything()
    {
        var policy = EffectPolicy.Create([], _temp.Path);

        Assert.False(policy.Check(Capability.FileRead(_data)));
        Assert.False(policy.Check(Capability.Process("true")));
        Assert.False(policy.Check(Capability.Network("example.org", 443)));
        Assert.False(policy.Check(Capability.Tool("search")));
        Assert.False(policy.Check(Capability.Env("HOME")));
    }

    [Fact]
    public void Check_ProcessGrantByName_MatchesThePathExecutableOnly()
    {
        var policy = EffectPolicy.Create([Capability.Process("true")], _temp.Path);
        string truePath = ExecutableResolver.Resolve("true", _temp.Path, Environment.GetEnvironmentVariable("PATH"))!;

        Assert.True(policy.Check(Capability.Process("true")));
        Assert.True(policy.Check(Capability.Process(truePath)));
        Assert.False(policy.Check(Capability.Process("false")));
        Assert.False(policy.Check(Capability.Process("sh")));
    }

    [Fact]
    public void Check_ExecutableCopiedOrLinkedUnderGrantedName_IsDenied()
    {
        var policy = EffectPolicy.Create([Capability.Process("true")], _temp.Path);
        string fake = Path.Combine(_data, "true");
        File.CreateSymbolicLink(fake, "/bin/sh");

        Assert.False(policy.Check(Capability.Process(fake)));
        Assert.False(policy.Check(Capability.Process("./srv/data/true")));
    }

    [Fact]
    public void Check_ProcessGrantByPath_MatchesExactlyThatFile()
    {
        string truePath = ExecutableResolver.Resolve("true", _temp.Path, Environment.GetEnvironmentVariable("PATH"))!;
        var policy = EffectPolicy.Create([Capability.Process(truePath)], _temp.Path);

        Assert.True(policy.Check(Capability.Process("true")));
        Assert.False(policy.Check(Capability.Process("false")));
    }

    [Fact]
    public void Check_Network_MatchesHostIgnoringCaseAndPortWhenGiven()
    {
        var policy = EffectPolicy.Create([Capability.Network("Example.org", 443), Capability.Network("any.example")], _temp.Path);

        Assert.True(policy.Check(Capability.Network("example.ORG", 443)));
        Assert.False(policy.Check(Capability.Network("example.org", 80)));
        Assert.False(policy.Check(Capability.Network("example.org")));
        Assert.False(policy.Check(Capability.Network("example.org.evil.com", 443)));
        Assert.True(policy.Check(Capability.Network("any.example", 8080)));
    }

    [Fact]
    public void Check_ToolAndEnv_MatchExactNames()
    {
        var policy = EffectPolicy.Create([Capability.Tool("search"), Capability.Env("API_TOKEN")], _temp.Path);

        Assert.True(policy.Check(Capability.Tool("search")));
        Assert.False(policy.Check(Capability.Tool("search2")));
        Assert.True(policy.Check(Capability.Env("API_TOKEN")));
        Assert.False(policy.Check(Capability.Env("api_token")));
    }

    [Fact]
    public void Demand_Denied_ThrowsEffectDeniedExceptionNamingTheCapability()
    {
        var requested = Capability.FileWrite(Path.Combine(_outside, "secret.txt"));

        var ex = Assert.Throws<EffectDeniedException>(() => _policy.Demand(requested));

        Assert.Equal(requested, ex.Capability);
        Assert.Contains(requested.ToString(), ex.Message, StringComparison.Ordinal);
        Assert.False(ex.IsTransient);
    }

    [Fact]
    public void Merge_AddsGrantsWithoutChangingTheOriginal()
    {
        var merged = _policy.Merge([Capability.Tool("search")]);

        Assert.True(merged.Check(Capability.Tool("search")));
        Assert.False(_policy.Check(Capability.Tool("search")));
        Assert.Same(_policy, _policy.Merge([]));
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "link", SetLastError = true)]
#pragma warning disable SYSLIB1054, CA2101 // a test helper; the plain import is clearer here
    private static extern int Link([System.Runtime.InteropServices.MarshalAs(System.Runtime.InteropServices.UnmanagedType.LPUTF8Str)] string existing, [System.Runtime.InteropServices.MarshalAs(System.Runtime.InteropServices.UnmanagedType.LPUTF8Str)] string newPath);
#pragma warning restore SYSLIB1054, CA2101
}
