using System.Text.Json;

namespace TaskExecKit.Tests.AI.Providers;

/// <summary>Response bodies in each provider's wire format.</summary>
internal static class Wire
{
    internal static string AnthropicText(string text, string model = "claude-test") => JsonSerializer.Serialize(new
    {
        id = "msg_01",
        type = "message",
        role = "assistant",
        model,
        content = new object[] { new { type = "text", text } },
        stop_reason = "end_turn",
        stop_sequence = (string?)null,
        usage = new { input_tokens = 12, output_tokens = 7 },
    });

    internal static string AnthropicToolUse(params (string Id, string Name, object Input)[] calls) => JsonSerializer.Serialize(new
    {
        id = "msg_02",
        type = "message",
        role = "assistant",
        model = "claude-test",
        content = calls.Select(c => (object)new { type = "tool_use", id = c.Id, name = c.Name, input = c.Input }).ToArray(),
        stop_reason = "tool_use",
        stop_sequence = (string?)null,
        usage = new { input_tokens = 20, output_tokens = 9 },
    });

    internal static string OpenAIText(string text, string model = "gpt-test") => JsonSerializer.Serialize(new
    {
        id = "chatcmpl-1",
        @object = "chat.completion",
        created = 1_700_000_000,
        model,
        choices = new[] { new { index = 0, message = new { role = "assistant", content = text }, finish_reason = "stop" } },
        usage = new { prompt_tokens = 11, completion_tokens = 6, total_tokens = 17 },
    });

    internal static string OpenAIToolCalls(params (string Id, string Name, object Arguments)[] calls) => JsonSerializer.Serialize(new
    {
        id = "chatcmpl-2",
        @object = "chat.completion",
        created = 1_700_000_000,
        model = "gpt-test",
        choices = new[]
        {
            new
            {
                index = 0,
                message = new
                {
                    role = "assistant",
                    content = (string?)null,
                    tool_calls = calls.Select(c => new { id = c.Id, type = "function", function = new { name = c.Name, arguments = JsonSerializer.Serialize(c.Arguments) } }).ToArray(),
                },
                finish_reason = "tool_calls",
            },
        },
        usage = new { prompt_tokens = 21, completion_tokens = 8, total_tokens = 29 },
    });

    internal static string OpenAIChunk(string? content, string? finish = null) => JsonSerializer.Serialize(new
    {
        id = "chatcmpl-3",
        @object = "chat.completion.chunk",
        created = 1_700_000_000,
        model = "gpt-test",
        choices = new[] { new { index = 0, delta = new { content }, finish_reason = finish } },
    });

    internal static string OllamaText(string text, string model = "llama-test") => JsonSerializer.Serialize(new
    {
        model,
        created_at = "2026-11-25T10:00:00Z",
        message = new { role = "assistant", content = text },
        done = true,
        done_reason = "stop",
        total_duration = 1000,
        prompt_eval_count = 13,
        eval_count = 4,
    }) + "\n";

    internal static string OllamaToolCalls(params (string Name, object Arguments)[] calls) => JsonSerializer.Serialize(new
    {
        model = "llama-test",
        created_at = "2026-11-25T10:00:00Z",
        message = new
        {
            role = "assistant",
            content = string.Empty,
            tool_calls = calls.Select(c => new { function = new { name = c.Name, arguments = c.Arguments } }).ToArray(),
        },
        done = true,
        done_reason = "stop",
        prompt_eval_count = 20,
        eval_count = 5,
    }) + "\n";
}
