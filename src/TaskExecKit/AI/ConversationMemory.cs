using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace TaskExecKit.AI;

/// <summary>What <see cref="ConversationMemory"/> does with the oldest turns when the history is over its token budget.</summary>
public enum MemoryStrategy
{
    /// <summary>Drop the oldest turns until the history fits.</summary>
    DropOldest,

    /// <summary>
    /// Ask the agent's model (without tools) to summarize the oldest turns, and keep the summary in
    /// their place; when the summary cannot be made or does not fit, drop them as <see cref="DropOldest"/> does.
    /// </summary>
    Summarize,
}

/// <summary>
/// An agent's conversation history across runs, kept to a token budget and stored in a file so that
/// an agent with the same <see cref="AIAgentBuilder.Id"/> resumes it after a restart. A turn is a
/// prompt and the final answer of a completed run; tool calls and tool results are not kept. Tokens
/// are estimated as one per four characters. Add it with <see cref="AIAgentBuilder.Memory"/>.
/// </summary>
/// <remarks>
/// The store is one JSON lines file per agent id under <see cref="Directory"/> (by convention
/// <c>&lt;runtime&gt;/state/ai_memory</c>), rewritten whole (write then rename) after each run. It
/// holds prompts and answers in clear text.
/// </remarks>
#pragma warning disable CA1001 // The semaphore lives as long as the memory and never allocates a wait handle; it needs no disposal.
public sealed class ConversationMemory
#pragma warning restore CA1001
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<string, List<MemoryEntry>> _loaded = new(StringComparer.Ordinal);

    /// <summary>Creates a memory.</summary>
    /// <param name="directory">Where the history files go, e.g. <c>runtime/state/ai_memory</c>.</param>
    /// <param name="maxTokens">The largest history (estimated tokens) sent before a prompt; at least 1.</param>
    /// <param name="strategy">What to do with the oldest turns when it is full.</param>
    public ConversationMemory(string directory, long maxTokens = 8_000, MemoryStrategy strategy = MemoryStrategy.DropOldest)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxTokens, 1);
        Directory = Path.GetFullPath(directory);
        MaxTokens = maxTokens;
        Strategy = strategy;
    }

    /// <summary>Gets the folder of the history files.</summary>
    public string Directory { get; }

    /// <summary>Gets the history's token budget.</summary>
    public long MaxTokens { get; }

    /// <summary>Gets what happens to the oldest turns when the history is full.</summary>
    public MemoryStrategy Strategy { get; }

    /// <summary>Gets the messages of an agent's history, oldest first (a summary comes as a system message).</summary>
    /// <param name="agentId">The agent's id.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The messages.</returns>
    public async Task<IReadOnlyList<ChatMessage>> GetHistoryAsync(string agentId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(agentId);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return [.. (await LoadAsync(agentId, cancellationToken).ConfigureAwait(false)).Select(e => e.ToMessage())];
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Forgets an agent's history, in memory and on disk.</summary>
    /// <param name="agentId">The agent's id.</param>
    /// <param name="cancellationToken">Cancels the wait for other runs.</param>
    /// <returns>A task that completes when the file is gone.</returns>
    public async Task ClearAsync(string agentId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(agentId);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            _loaded.Remove(agentId);
            File.Delete(FileOf(agentId));
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Adds a turn, fits the history to the budget and writes it.</summary>
    internal async Task AddTurnAsync(string agentId, string prompt, string answer, IChatClient summarizer, string? model, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var entries = await LoadAsync(agentId, cancellationToken).ConfigureAwait(false);
            entries.Add(new MemoryEntry("user", prompt));
            entries.Add(new MemoryEntry("assistant", answer));
            await FitAsync(entries, summarizer, model, cancellationToken).ConfigureAwait(false);
            await SaveAsync(agentId, entries, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task FitAsync(List<MemoryEntry> entries, IChatClient summarizer, string? model, CancellationToken cancellationToken)
    {
        if (Tokens(entries) <= MaxTokens)
        {
            return;
        }

        // The oldest entries that must go for the rest to fit within half the budget (room for new turns).
        int cut = 0;
        long total = Tokens(entries);
        while (cut < entries.Count - 2 && total > MaxTokens / 2)
        {
            total -= entries[cut].Tokens;
            cut++;
        }

        if (total > MaxTokens)
        {
            // The newest turn alone is over the budget: nothing fits.
            cut = entries.Count;
        }

        var dropped = entries.GetRange(0, cut);
        entries.RemoveRange(0, cut);
        if (Strategy != MemoryStrategy.Summarize || dropped.Count == 0)
        {
            return;
        }

        var text = new StringBuilder("Summarize this earlier part of a conversation in a few sentences, keeping facts, decisions and open questions:\n\n");
        foreach (var entry in dropped)
        {
            text.Append(entry.Role).Append(": ").Append(entry.Text).Append('\n');
        }

        string summary;
        try
        {
            ChatResponse response = await summarizer.GetResponseAsync([new ChatMessage(ChatRole.User, text.ToString())], new ChatOptions { ModelId = model }, cancellationToken).ConfigureAwait(false);
            summary = response.Text.Trim();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A failed summary must not lose the run's answer: the old turns are dropped instead.
            return;
        }

        var summaryEntry = new MemoryEntry("summary", summary);
        if (summary.Length > 0 && summaryEntry.Tokens + Tokens(entries) <= MaxTokens)
        {
            entries.Insert(0, summaryEntry);
        }
    }

    private async Task<List<MemoryEntry>> LoadAsync(string agentId, CancellationToken cancellationToken)
    {
        if (_loaded.TryGetValue(agentId, out var cached))
        {
            return cached;
        }

        var entries = new List<MemoryEntry>();
        string path = FileOf(agentId);
        if (File.Exists(path))
        {
            int number = 0;
            foreach (string line in await File.ReadAllLinesAsync(path, cancellationToken).ConfigureAwait(false))
            {
                number++;
                if (line.Length == 0)
                {
                    continue;
                }

                try
                {
                    using var document = JsonDocument.Parse(line);
                    string role = document.RootElement.GetProperty("role").GetString() ?? throw new JsonException("no role");
                    string text = document.RootElement.GetProperty("text").GetString() ?? string.Empty;
                    entries.Add(new MemoryEntry(role, text));
                }
                catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
                {
                    throw new MemoryStoreException(string.Create(CultureInfo.InvariantCulture, $"{path}:{number}: not a history entry ({ex.Message}); fix or delete the file."));
                }
            }
        }

        _loaded[agentId] = entries;
        return entries;
    }

    private async Task SaveAsync(string agentId, List<MemoryEntry> entries, CancellationToken cancellationToken)
    {
        System.IO.Directory.CreateDirectory(Directory);
        string path = FileOf(agentId);
        string temporary = path + ".tmp";
        var text = new StringBuilder();
        foreach (var entry in entries)
        {
            using var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer))
            {
                writer.WriteStartObject();
                writer.WriteString("role", entry.Role);
                writer.WriteString("text", entry.Text);
                writer.WriteEndObject();
            }

            text.Append(Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length)).Append('\n');
        }

        await File.WriteAllTextAsync(temporary, text.ToString(), cancellationToken).ConfigureAwait(false);
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>One file per agent; characters outside letters, digits, '-', '_' and '.' are replaced so an id cannot name another folder.</summary>
    private string FileOf(string agentId)
    {
        var name = new StringBuilder();
        foreach (char c in agentId)
        {
            name.Append(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_');
        }

        return Path.Join(Directory, name + ".jsonl");
    }

    private static long Tokens(List<MemoryEntry> entries) => entries.Sum(e => e.Tokens);

    private sealed record MemoryEntry(string Role, string Text)
    {
        internal long Tokens => (Text.Length + 3) / 4 + 4;

        internal ChatMessage ToMessage() => Role switch
        {
            "user" => new ChatMessage(ChatRole.User, Text),
            "assistant" => new ChatMessage(ChatRole.Assistant, Text),
            _ => new ChatMessage(ChatRole.System, "Summary of the earlier conversation: " + Text),
        };
    }
}

/// <summary>A conversation history file could not be read.</summary>
public sealed class MemoryStoreException : TaskExecKitException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What is wrong, naming the file and line.</param>
    public MemoryStoreException(string message)
        : base(message)
    {
    }
}
