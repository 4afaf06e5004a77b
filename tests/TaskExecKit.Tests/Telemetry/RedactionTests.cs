using System.Collections;
using TaskExecKit.Telemetry;

namespace TaskExecKit.Tests.Telemetry;

public sealed class RedactionTests
{
    private static Redactor Create(Action<TelemetryRedactionOptions>? configure = null, IDictionary? env = null)
    {
        var options = new TelemetryRedactionOptions();
        configure?.Invoke(options);
        return new Redactor(options, env ?? new Hashtable());
    }

    [Fact]
    public void Redact_ValueOfNamedSecretEnvironmentVariable_IsRemoved()
    {
        var r = Create(o => o.SecretEnvironmentVariables.Add("DEPLOY_CODE"), new Hashtable { ["DEPLOY_CODE"] = "hunter2-hunter2", ["HOME"] = "/home/me" });

        Assert.Equal("run deploy [REDACTED] in /home/me", r.Redact("run deploy hunter2-hunter2 in /home/me"));
    }

    [Fact]
    public void Redact_SecretLookingEnvironmentVariable_IsRemovedByDefault()
    {
        var r = Create(env: new Hashtable { ["MY_SERVICE_TOKEN"] = "abc123xyz789" });

        Assert.Equal("token [REDACTED]", r.Redact("token abc123xyz789"));
    }

    [Theory]
    [InlineData("key sk-ant-api03-ABCDEFGHIJKLMNOPQRSTUV", "key [REDACTED]")]
    [InlineData("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload", "Authorization: Bearer [REDACTED]")]
    [InlineData("aws AKIAIOSFODNN7EXAMPLE done", "aws [REDACTED] done")]
    [InlineData("api_key=supersecretvalue&x=1", "api_key=[REDACTED]&x=1")]
    [InlineData("{\"password\": \"p4ssw0rd!\"}", "{\"password\": \"[REDACTED]\"}")]
    [InlineData("nothing to see", "nothing to see")]
    public void Redact_KnownKeyShapes_AreRemoved(string input, string expected)
    {
        Assert.Equal(expected, Create().Redact(input));
    }

    [Fact]
    public void Redact_ConfiguredPattern_IsRemoved()
    {
        var r = Create(o => o.Patterns.Add(@"CASE-\d{6}"));

        Assert.Equal("see [REDACTED]", r.Redact("see CASE-123456"));
    }

    [Fact]
    public void Redact_ModelText_IsDroppedUnlessCaptured()
    {
        var call = new TelemetryEvent { Kind = TelemetryEventKind.ModelCall, Detail = "prompt: summarise the contract" };

        Assert.Equal(Redactor.ModelTextOmitted, Create().Redact(call).Detail);
        Assert.Equal(call.Detail, Create(o => o.CaptureModelText = true).Redact(call).Detail);
    }

    [Fact]
    public void Redact_NothingToRemove_ReturnsTheSameStrings()
    {
        var e = new TelemetryEvent { Kind = TelemetryEventKind.Decision, Name = "retry", Reason = "timeout", Detail = "attempt 1" };

        var redacted = Create().Redact(e);

        Assert.Same(e.Name, redacted.Name);
        Assert.Same(e.Detail, redacted.Detail);
    }
}
