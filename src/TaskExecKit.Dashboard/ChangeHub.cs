using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;

namespace TaskExecKit.Dashboard;

/// <summary>
/// Watches the runs folder, the databases and the state folder on the server (a cheap stat of a few files every
/// <see cref="DashboardOptions.ChangeCheckInterval"/>) and tells every open event stream which topics changed:
/// <c>runs</c>, <c>telemetry</c>, <c>audit</c> and <c>control</c>. Browsers never poll; they refetch on a push.
/// </summary>
internal sealed class ChangeHub
{
    internal static readonly string[] Topics = ["runs", "telemetry", "audit", "control"];
    private const int MaxSubscribers = 64;

    private readonly ConcurrentDictionary<long, Channel<string>> _subscribers = new();
    private readonly Dictionary<string, string> _last = new(StringComparer.Ordinal);
    private readonly DashboardState _state;
    private long _next;
    private long _version;

    public ChangeHub(DashboardState state) => _state = state;

    internal long Version => Interlocked.Read(ref _version);

    /// <summary>Opens a subscription; null when too many are open.</summary>
    internal Subscription? Subscribe()
    {
        if (_subscribers.Count >= MaxSubscribers)
        {
            return null;
        }

        var channel = Channel.CreateBounded<string>(new BoundedChannelOptions(16) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
        long id = Interlocked.Increment(ref _next);
        _subscribers[id] = channel;
        return new Subscription(this, id, channel.Reader);
    }

    /// <summary>Checks every topic once; publishes the changed ones. Returns them.</summary>
    internal IReadOnlyList<string> Check()
    {
        var changed = new List<string>();
        lock (_last)
        {
            foreach (string topic in Topics)
            {
                string print = Fingerprint(topic);
                if (!_last.TryGetValue(topic, out string? before) || !string.Equals(before, print, StringComparison.Ordinal))
                {
                    bool first = before is null;
                    _last[topic] = print;
                    if (!first)
                    {
                        changed.Add(topic);
                    }
                }
            }
        }

        if (changed.Count > 0)
        {
            Publish(changed);
        }

        return changed;
    }

    internal void Publish(IReadOnlyList<string> topics)
    {
        Interlocked.Increment(ref _version);
        string data = "{\"topics\":[" + string.Join(',', topics.Select(t => "\"" + t + "\"")) + "]}";
        foreach (var channel in _subscribers.Values)
        {
            channel.Writer.TryWrite(data);
        }
    }

    private string Fingerprint(string topic)
    {
        var text = new StringBuilder();
        string db = Path.Combine(_state.RuntimeDirectory, "database");
        switch (topic)
        {
            case "runs":
                var runs = _state.Runs.RecentRunDirectories();
                foreach (string run in runs)
                {
                    Stat(text, Path.Combine(run, "run.json"));
                }

                if (runs.Count > 0 && Directory.Exists(Path.Combine(runs[0], "logs")))
                {
                    foreach (string log in Directory.EnumerateFiles(Path.Combine(runs[0], "logs")))
                    {
                        Stat(text, log);
                    }
                }

                Stat(text, Path.Combine(db, "state", "runs.db"));
                Stat(text, Path.Combine(db, "state", "runs.db-wal"));
                break;
            case "telemetry":
                Stat(text, Path.Combine(db, "telemetry.db"));
                Stat(text, Path.Combine(db, "telemetry.db-wal"));
                break;
            case "audit":
                Stat(text, Path.Combine(db, "audit.db"));
                Stat(text, Path.Combine(db, "audit.db-wal"));
                Stat(text, Path.Combine(_state.StateDirectory, "audit.head"));
                break;
            default:
                if (Directory.Exists(_state.StateDirectory))
                {
                    foreach (string file in Directory.EnumerateFiles(_state.StateDirectory).Order(StringComparer.Ordinal))
                    {
                        Stat(text, file);
                    }

                    string approvals = Path.Combine(_state.StateDirectory, "approvals");
                    if (Directory.Exists(approvals))
                    {
                        foreach (string file in Directory.EnumerateFiles(approvals).Order(StringComparer.Ordinal))
                        {
                            Stat(text, file);
                        }
                    }
                }

                break;
        }

        return text.ToString();
    }

    private static void Stat(StringBuilder text, string path)
    {
        var info = new FileInfo(path);
        text.Append(path).Append('|');
        if (info.Exists)
        {
            text.Append(info.Length.ToString(CultureInfo.InvariantCulture)).Append('|')
                .Append(info.LastWriteTimeUtc.Ticks.ToString(CultureInfo.InvariantCulture));
        }

        text.Append(';');
    }

    internal sealed class Subscription(ChangeHub hub, long id, ChannelReader<string> reader) : IDisposable
    {
        internal ChannelReader<string> Reader { get; } = reader;

        public void Dispose() => hub._subscribers.TryRemove(id, out _);
    }
}

/// <summary>Runs <see cref="ChangeHub.Check"/> on a timer while the host runs, and flushes queued audit entries.</summary>
internal sealed class ChangeHubService(ChangeHub hub, DashboardState state) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(state.Options.ChangeCheckInterval, state.Options.TimeProvider);
        int tick = 0;
        try
        {
            hub.Check();
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    hub.Check();
                    if (++tick % 8 == 0)
                    {
                        await state.Control.FlushQueuedAuditAsync(stoppingToken).ConfigureAwait(false);
                    }
                }
                catch (IOException)
                {
                    // A file moved while it was looked at: the next tick sees the new state.
                }
                catch (UnauthorizedAccessException)
                {
                    // As above.
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The host is stopping.
        }
    }
}
