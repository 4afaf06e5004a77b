using Microsoft.Extensions.AI;
using TaskExecKit.AI;
using TaskExecKit.Effects;

namespace TaskExecKit.Tests.AI;

public sealed class OfflineChatClientTests
{
    [Fact]
    public async Task GetResponseAsync_ToolRuleButToolNotOffered_SaysTheAgentLacksTheTool()
    {
        using var client = new OfflineChatClient(OfflineRule.Defaults, "offline");

        ChatResponse response = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "read the file a.txt")]);

        Assert.Contains("calls the tool file_read, which this agent does not have", response.Text, StringComparison.Ordinal);
        Assert.Empty(response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>());
    }

    [Fact]
    public async Task GetResponseAsync_ToolRuleWithToolOffered_EmitsAFunctionCallWithTheGroupSubstituted()
    {
        using var client = new OfflineChatClient(OfflineRule.Defaults, "offline");
        var options = new ChatOptions { Tools = [AIFunctionFactory.Create((string path) => path, "file_read")] };

        ChatResponse response = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "Read the file src/app.cs please")], options);

        var call = Assert.Single(response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>());
        Assert.Equal("file_read", call.Name);
        Assert.Equal("src/app.cs", call.Arguments!["path"]);
        Assert.Equal(ChatFinishReason.ToolCalls, response.FinishReason);
        Assert.Equal("offline", client.GetService<ChatClientMetadata>()!.ProviderName);
    }

    [Fact]
    public async Task GetResponseAsync_SameConversationTwice_AnswersTheSame()
    {
        using var client = new OfflineChatClient(OfflineRule.Defaults, "offline");
        ChatMessage[] conversation = [new ChatMessage(ChatRole.User, "hello there")];

        ChatResponse first = await client.GetResponseAsync(conversation);
        ChatResponse second = await client.GetResponseAsync(conversation);

        Assert.Equal(first.Text, second.Text);
        Assert.Equal(first.Usage!.TotalTokenCount, second.Usage!.TotalTokenCount);
        Assert.StartsWith("Hello.", first.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AgentRun_DefaultListFilesRule_ListsTheBaseDirectory()
    {
        using var dir = new TempDirectory();
        dir.File("a.txt", "a");
        dir.CreateDirectory("sub");
        AIAgent agent = AIAgent.Builder().Provider(AIProvider.Offline).Tools(new FileTool()).Grant(Capability.FileRead(".")).BaseDirectory(dir.Path).Build();

        AgentResponse response = await agent.RunAsync("list files");

        Assert.Equal("The tool file_list returned:\na.txt\nsub/", response.Text);
        Assert.Equal("path=.", Assert.Single(response.ToolCalls).Arguments);
    }
}
