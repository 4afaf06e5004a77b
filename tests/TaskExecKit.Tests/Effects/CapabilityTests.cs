using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using TaskExecKit.Effects;

namespace TaskExecKit.Tests.Effects;

public sealed class CapabilityTests
{
    [Theory]
    [InlineData("process:git", CapabilityKind.Process, "git", null)]
    [InlineData("fs.read:./src", CapabilityKind.FileRead, "./src", null)]
    [InlineData("fs.write: /tmp/out ", CapabilityKind.FileWrite, "/tmp/out", null)]
    [InlineData("net:example.org", CapabilityKind.Network, "example.org", null)]
    [InlineData("net:127.0.0.1:8080", CapabilityKind.Network, "127.0.0.1", 8080)]
    [InlineData("net:[::1]:443", CapabilityKind.Network, "::1", 443)]
    [InlineData("net:::1", CapabilityKind.Network, "::1", null)]
    [InlineData("tool:search", CapabilityKind.Tool, "search", null)]
    [InlineData("env:HOME", CapabilityKind.Env, "HOME", null)]
    public void Parse_PlanSyntax_GivesTheCapabilityAndWritesItBack(string text, CapabilityKind kind, string target, int? port)
    {
        var capability = Capability.Parse(text);

        Assert.Equal(kind, capability.Kind);
        Assert.Equal(target, capability.Target);
        Assert.Equal(port, capability.Port);
        Assert.Equal(capability, Capability.Parse(capability.ToString()));
    }

    [Theory]
    [InlineData("")]
    [InlineData("git")]
    [InlineData("process:")]
    [InlineData("disk:/tmp")]
    [InlineData("net:host:0")]
    [InlineData("net:host:65536")]
    [InlineData("net:host:http")]
    [InlineData("net:[::1")]
    [InlineData("net:[[x]")]
    [InlineData("net:a[::1]:80")]
    [InlineData("net:[a]b]")]
    [InlineData("net:x]")]
    [InlineData("net:[a b]:80")]
    public void Parse_Malformed_ThrowsFormatExceptionSayingWhy(string text)
    {
        var ex = Assert.Throws<FormatException>(() => Capability.Parse(text));

        Assert.False(string.IsNullOrWhiteSpace(ex.Message));
        Assert.False(Capability.TryParse(text, out _));
    }

    [Fact]
    public void Factories_EqualTheirParsedForms()
    {
        Assert.Equal(Capability.Process("git"), Capability.Parse("process:git"));
        Assert.Equal(Capability.Network("h", 1), Capability.Parse("net:h:1"));
        Assert.NotEqual(Capability.FileRead("/srv/data"), Capability.FileWrite("/srv/data"));
    }

    [Theory]
    [InlineData("net:[[x]")]
    [InlineData("net:a[::1]:80")]
    public void Parse_HostWithBracketsOutsideIpv6Literal_SaysWhatIsWrong(string text)
    {
        var ex = Assert.Throws<FormatException>(() => Capability.Parse(text));

        Assert.Contains("'['", ex.Message, StringComparison.Ordinal);
    }

    [Property(MaxTest = 2000)]
    public Property Parse_ToStringOfAnyParsedCapability_GivesItBack() => Prop.ForAll(CapabilityTexts.ToArbitrary(), text =>
    {
        if (!Capability.TryParse(text, out var capability))
        {
            return true;
        }

        return Capability.TryParse(capability.ToString(), out var back) && back == capability;
    });

    // Mostly net: texts built from the characters that matter to hosts and ports, plus the other kinds.
    private static readonly Gen<string> CapabilityTexts =
        from kind in Gen.Elements("net:", "net:", "net:", "net:[", "process:", "fs.read:", "tool:", "env:", "")
        from length in Gen.Choose(0, 12)
        from chars in Gen.ArrayOf(Gen.Elements('a', 'b', '1', '8', '0', ':', ':', '[', ']', '.', ' ', '\t', '-', '\u00a0', ','), length)
        select kind + new string(chars);
}

public sealed class CapabilityFactoryTests
{
    [Theory]
    [InlineData("[::1]")]
    [InlineData("a b")]
    [InlineData("host]")]
    public void Network_HostThatWouldNotReadBack_IsRejected(string host)
    {
        var ex = Assert.Throws<ArgumentException>(() => Capability.Network(host, 80));

        Assert.Equal("host", ex.ParamName);
    }

    [Fact]
    public void Network_Ipv6Host_WritesWithBracketsAndReadsBack()
    {
        var capability = Capability.Network("::1", 443);

        Assert.Equal("net:[::1]:443", capability.ToString());
        Assert.Equal(capability, Capability.Parse(capability.ToString()));
    }
}
