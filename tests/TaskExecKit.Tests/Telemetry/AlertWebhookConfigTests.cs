using TaskExecKit.Configuration;
using TaskExecKit.Tests.Configuration;

namespace TaskExecKit.Tests.Telemetry;

public sealed class AlertWebhookConfigTests
{
    [Fact]
    public void TelemetryToml_AlertsWebhook_IsReadAndCarriedByUseThresholds()
    {
        using var dir = new TempConfigDirectory();
        dir.Write("telemetry.toml", "[alerts]\nfailure_rate = 0.5\nwebhook = \"http://127.0.0.1:9000/hook\"\n");

        var config = EngineConfig.Load(dir.Path);
        var options = new TaskExecKit.Telemetry.TelemetryOptions();
        options.Alerts.UseThresholds(config.Telemetry.Alerts);

        Assert.Equal(new Uri("http://127.0.0.1:9000/hook"), config.Telemetry.Alerts.Webhook);
        Assert.Equal(new Uri("http://127.0.0.1:9000/hook"), options.Alerts.Webhook);
        Assert.Null(options.Alerts.WebhookPolicy); // denied until a policy grants it
    }

    [Fact]
    public void TelemetryToml_AlertsWebhookNotAUrl_NamesFileLineAndKey()
    {
        using var dir = new TempConfigDirectory();
        dir.Write("telemetry.toml", "[alerts]\nwebhook = \"not a url\"\n");

        var ex = Assert.Throws<ConfigurationException>(() => EngineConfig.Load(dir.Path));

        Assert.Equal(2, ex.Line);
        Assert.Contains("absolute http or https URL", ex.Message, StringComparison.Ordinal);
    }
}
