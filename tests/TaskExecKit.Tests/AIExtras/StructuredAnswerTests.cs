using System.Text.Json;
using Microsoft.Extensions.AI;
using TaskExecKit.AI;
using TaskExecKit.Testing;

namespace TaskExecKit.Tests.AIExtras;

public sealed class StructuredAnswerTests
{
    public sealed record Decision(string Action, int Priority, IReadOnlyList<string> Reasons);

    [Fact]
    public async Task RunAsyncOfT_ValidFirstAnswer_IsReadAndTheSchemaWasSent()
    {
        var model = new ScriptedChatClient().ReplyWith("""{"action":"retry","priority":2,"reasons":["flaky test"]}""");
        AIAgent agent = AIAgent.Builder().ChatClient(model).Build();

        AgentResponse<Decision> answer = await agent.RunAsync<Decision>("What should we do?");

        Assert.True(answer.IsValid);
        Assert.Equal(1, answer.Attempts);
        Assert.Equal("retry", answer.Value!.Action);
        Assert.Equal(["flaky test"], answer.Value.Reasons);
        Assert.True(answer.Response.IsCompleted);
        var request = Assert.Single(model.Requests);
        Assert.IsType<ChatResponseFormatJson>(request.Options!.ResponseFormat);
        Assert.Contains(request.Messages, m => m.Role == ChatRole.System && m.Text.Contains("\"priority\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RunAsyncOfT_InvalidThenValid_AsksAgainWithTheErrors()
    {
        var model = new ScriptedChatClient()
            .ReplyWith("""{"action":"retry","priority":"high"}""")
            .ReplyWith("```json\n{\"action\":\"retry\",\"priority\":1,\"reasons\":[]}\n```");
        AIAgent agent = AIAgent.Builder().ChatClient(model).Build();

        AgentResponse<Decision> answer = await agent.RunAsync<Decision>("decide");

        Assert.True(answer.IsValid);
        Assert.Equal(2, answer.Attempts);
        Assert.Equal(1, answer.Value!.Priority);
        string correction = model.Requests[1].LastUserText;
        Assert.Contains("$.priority: expected integer, got a string", correction, StringComparison.Ordinal);
        Assert.Contains("the required property 'reasons' is missing", correction, StringComparison.Ordinal);
        Assert.Equal(2, answer.Response.ModelCalls);
    }

    [Fact]
    public async Task RunAsyncOfT_NeverValid_IsRefusedAfterMaxAnswerAttempts()
    {
        var model = new ScriptedChatClient { RepeatLastStep = true }.ReplyWith("I think we should retry.");
        AIAgent agent = AIAgent.Builder().ChatClient(model).MaxAnswerAttempts(2).Build();

        AgentResponse<Decision> answer = await agent.RunAsync<Decision>("decide");

        Assert.False(answer.IsValid);
        Assert.Null(answer.Value);
        Assert.Equal(2, answer.Attempts);
        Assert.Equal(AgentStopReason.InvalidOutput, answer.Response.StopReason);
        Assert.Contains("after 2 attempts", answer.Response.StopDetail, StringComparison.Ordinal);
        Assert.StartsWith("the answer is not JSON", Assert.Single(answer.Errors), StringComparison.Ordinal);
        Assert.Equal(2, model.Requests.Count);
    }

    [Fact]
    public async Task RunAsyncOfT_UnknownProperty_IsRejectedByTheStrictReader()
    {
        var model = new ScriptedChatClient()
            .ReplyWith("""{"action":"a","priority":1,"reasons":[],"shell":"rm -rf /"}""")
            .ReplyWith("""{"action":"a","priority":1,"reasons":[]}""");

        AgentResponse<Decision> answer = await AIAgent.Builder().ChatClient(model).Build().RunAsync<Decision>("decide");

        Assert.Equal(2, answer.Attempts);
        Assert.Contains("shell", model.Requests[1].LastUserText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsyncWithSchema_EnumAndBounds_AreChecked()
    {
        using var schema = JsonDocument.Parse("""
            {"type":"object","properties":{"verdict":{"enum":["pass","fail"]},"score":{"type":"number","minimum":0,"maximum":1}},"required":["verdict","score"],"additionalProperties":false}
            """);
        var model = new ScriptedChatClient()
            .ReplyWith("""{"verdict":"maybe","score":3}""")
            .ReplyWith("""{"verdict":"pass","score":0.9}""");

        AgentResponse<JsonElement> answer = await AIAgent.Builder().ChatClient(model).Build().RunAsync("judge", schema.RootElement);

        Assert.True(answer.IsValid);
        Assert.Equal("pass", answer.Value.GetProperty("verdict").GetString());
        Assert.Contains("is not one of", model.Requests[1].LastUserText, StringComparison.Ordinal);
        Assert.Contains("above the maximum 1", model.Requests[1].LastUserText, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"type":"integer"}""", "1.5", "expected integer")]
    [InlineData("""{"type":["string","null"]}""", "null", null)]
    [InlineData("""{"type":"array","items":{"type":"string"},"maxItems":1}""", """["a",2]""", "more than 1")]
    [InlineData("""{"type":"string","pattern":"^[a-z]+$"}""", "\"ABC\"", "does not match the pattern")]
    [InlineData("""{"anyOf":[{"type":"string"},{"type":"integer"}]}""", "true", "matches none of the anyOf choices")]
    [InlineData("""{"type":"object","properties":{"a":{"const":1}}}""", """{"a":2}""", "$.a: must be 1")]
    public void JsonSchemaCheck_Keywords_AreEnforced(string schema, string value, string? error)
    {
        using var s = JsonDocument.Parse(schema);
        using var v = JsonDocument.Parse(value);

        var errors = JsonSchemaCheck.Validate(s.RootElement, v.RootElement);

        if (error is null)
        {
            Assert.Empty(errors);
        }
        else
        {
            Assert.Contains(errors, e => e.Contains(error, StringComparison.Ordinal));
        }
    }
}
