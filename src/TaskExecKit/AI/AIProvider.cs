namespace TaskExecKit.AI;

/// <summary>Which model provider an <see cref="AIAgent"/> talks to.</summary>
public enum AIProvider
{
    /// <summary>
    /// The built-in offline provider: deterministic pattern-matching rules (see <see cref="OfflineRule"/>),
    /// no network and no key. For tests, demos and air-gapped runs; it does not reason.
    /// </summary>
    Offline,

    /// <summary>Anthropic's models; needs the <c>TaskExecKit.AI.Anthropic</c> package or your own client.</summary>
    Anthropic,

    /// <summary>OpenAI and OpenAI-compatible servers; needs the <c>TaskExecKit.AI.OpenAI</c> package or your own client.</summary>
    OpenAI,

    /// <summary>A local Ollama server; needs the <c>TaskExecKit.AI.Ollama</c> package or your own client.</summary>
    Ollama,
}
