using System.Buffers.Binary;

namespace TaskExecKit.Telemetry;

/// <summary>
/// Everything the metrics of one agent in one minute need, kept by stores so that a snapshot
/// over hours reads a few rows instead of scanning events: counts per kind, outcomes, attempts,
/// tokens, cost and a latency histogram (buckets grow by 2^(1/4), about 19 %, from 0.1 ms).
/// </summary>
public sealed class MinuteRollup
{
    internal const int BucketCount = 112;
    private const int KindSlots = 16;
    private const byte FormatVersion = 1;

    private readonly long[] _kinds = new long[KindSlots];
    private readonly long[] _buckets = new long[BucketCount];

    /// <summary>Creates an empty rollup.</summary>
    /// <param name="minute">The minute (its seconds are dropped).</param>
    /// <param name="agentId">The agent, or the empty string for events without one.</param>
    public MinuteRollup(DateTimeOffset minute, string agentId)
    {
        ArgumentNullException.ThrowIfNull(agentId);
        Minute = MinuteOf(minute);
        AgentId = agentId;
    }

    /// <summary>Gets the minute, in UTC.</summary>
    public DateTimeOffset Minute { get; }

    /// <summary>Gets the agent, or the empty string for events without one.</summary>
    public string AgentId { get; }

    /// <summary>Gets the finished tasks that succeeded.</summary>
    public long Succeeded { get; private set; }

    /// <summary>Gets the finished tasks that did not succeed.</summary>
    public long Failed { get; private set; }

    /// <summary>Gets the attempts the finished tasks took in total.</summary>
    public long Attempts { get; private set; }

    /// <summary>Gets the tokens model calls used.</summary>
    public long Tokens { get; private set; }

    /// <summary>Gets the cost of model calls.</summary>
    public double Cost { get; private set; }

    /// <summary>Gets the summed duration of finished tasks, in milliseconds.</summary>
    public double DurationMilliseconds { get; private set; }

    /// <summary>Gets the number of events of a kind.</summary>
    /// <param name="kind">The kind.</param>
    /// <returns>How many were recorded in this minute.</returns>
    public long CountOf(TelemetryEventKind kind) => (uint)kind < KindSlots ? _kinds[(int)kind] : 0;

    /// <summary>Gets the minute <paramref name="time"/> falls in, in UTC.</summary>
    /// <param name="time">A time.</param>
    /// <returns>The start of its minute.</returns>
    public static DateTimeOffset MinuteOf(DateTimeOffset time)
    {
        long ticks = time.UtcTicks;
        return new DateTimeOffset(ticks - (ticks % TimeSpan.TicksPerMinute), TimeSpan.Zero);
    }

    /// <summary>Adds an event.</summary>
    /// <param name="e">The event.</param>
    public void Add(in TelemetryEvent e)
    {
        if ((uint)e.Kind < KindSlots)
        {
            _kinds[(int)e.Kind]++;
        }

        switch (e.Kind)
        {
            case TelemetryEventKind.TaskFinished when e.Outcome == TaskOutcome.Skipped:
                // A skipped task never ran: it is neither a success nor a failure, and has no latency.
                break;
            case TelemetryEventKind.TaskFinished:
                if (e.Outcome == TaskOutcome.Succeeded)
                {
                    Succeeded++;
                }
                else
                {
                    Failed++;
                }

                Attempts += Math.Max(1, e.Count);
                double ms = double.IsFinite(e.Value) && e.Value > 0 ? e.Value : 0;
                DurationMilliseconds += ms;
                _buckets[BucketOf(ms)]++;
                break;
            case TelemetryEventKind.ModelCall:
                Tokens += Math.Max(0, e.Count);
                Cost += double.IsFinite(e.Value) && e.Value > 0 ? e.Value : 0;
                break;
        }
    }

    /// <summary>Adds everything in another rollup to this one.</summary>
    /// <param name="other">The rollup to add.</param>
    public void Merge(MinuteRollup other)
    {
        ArgumentNullException.ThrowIfNull(other);
        for (int i = 0; i < KindSlots; i++)
        {
            _kinds[i] += other._kinds[i];
        }

        for (int i = 0; i < BucketCount; i++)
        {
            _buckets[i] += other._buckets[i];
        }

        Succeeded += other.Succeeded;
        Failed += other.Failed;
        Attempts += other.Attempts;
        Tokens += other.Tokens;
        Cost += other.Cost;
        DurationMilliseconds += other.DurationMilliseconds;
    }

    /// <summary>Encodes the counters (not the minute or agent) compactly, for a store to keep.</summary>
    /// <returns>The encoded counters.</returns>
    public byte[] ToBytes()
    {
        var buffer = new byte[1 + (10 * (KindSlots + 5)) + 16 + (20 * BucketCount)];
        int at = 0;
        buffer[at++] = FormatVersion;
        foreach (long k in _kinds)
        {
            at = WriteVarint(buffer, at, k);
        }

        at = WriteVarint(buffer, at, Succeeded);
        at = WriteVarint(buffer, at, Failed);
        at = WriteVarint(buffer, at, Attempts);
        at = WriteVarint(buffer, at, Tokens);
        BinaryPrimitives.WriteDoubleLittleEndian(buffer.AsSpan(at), Cost);
        at += 8;
        BinaryPrimitives.WriteDoubleLittleEndian(buffer.AsSpan(at), DurationMilliseconds);
        at += 8;
        int nonZero = _buckets.Count(b => b != 0);
        at = WriteVarint(buffer, at, nonZero);
        for (int i = 0; i < BucketCount; i++)
        {
            if (_buckets[i] != 0)
            {
                at = WriteVarint(buffer, at, i);
                at = WriteVarint(buffer, at, _buckets[i]);
            }
        }

        return buffer.AsSpan(0, at).ToArray();
    }

    /// <summary>Decodes counters written by <see cref="ToBytes"/>.</summary>
    /// <param name="minute">The minute of the row.</param>
    /// <param name="agentId">The agent of the row.</param>
    /// <param name="data">The encoded counters.</param>
    /// <returns>The rollup.</returns>
    /// <exception cref="TelemetryStoreException">The data is not a rollup this version can read.</exception>
    public static MinuteRollup FromBytes(DateTimeOffset minute, string agentId, ReadOnlySpan<byte> data)
    {
        var rollup = new MinuteRollup(minute, agentId);
        try
        {
            int at = 0;
            if (data.Length == 0 || data[at++] != FormatVersion)
            {
                throw new FormatException("unknown rollup format version");
            }

            for (int i = 0; i < KindSlots; i++)
            {
                rollup._kinds[i] = ReadVarint(data, ref at);
            }

            rollup.Succeeded = ReadVarint(data, ref at);
            rollup.Failed = ReadVarint(data, ref at);
            rollup.Attempts = ReadVarint(data, ref at);
            rollup.Tokens = ReadVarint(data, ref at);
            rollup.Cost = BinaryPrimitives.ReadDoubleLittleEndian(data[at..]);
            at += 8;
            rollup.DurationMilliseconds = BinaryPrimitives.ReadDoubleLittleEndian(data[at..]);
            at += 8;
            long nonZero = ReadVarint(data, ref at);
            for (long n = 0; n < nonZero; n++)
            {
                long index = ReadVarint(data, ref at);
                if ((ulong)index >= BucketCount)
                {
                    throw new FormatException("histogram bucket out of range");
                }

                rollup._buckets[index] = ReadVarint(data, ref at);
            }

            if (at != data.Length)
            {
                throw new FormatException("trailing bytes");
            }
        }
        catch (Exception ex) when (ex is FormatException or ArgumentOutOfRangeException or IndexOutOfRangeException)
        {
            throw new TelemetryStoreException($"The metrics rollup for {rollup.Minute:O} agent '{agentId}' is damaged ({ex.Message}).", innerException: ex);
        }

        return rollup;
    }

    /// <summary>Gets the latency below which <paramref name="fraction"/> of finished tasks fall (upper edge of the histogram bucket).</summary>
    internal TimeSpan? Percentile(double fraction)
    {
        long total = Succeeded + Failed;
        if (total == 0)
        {
            return null;
        }

        long rank = Math.Max(1, (long)Math.Ceiling(fraction * total));
        long seen = 0;
        for (int i = 0; i < BucketCount; i++)
        {
            seen += _buckets[i];
            if (seen >= rank)
            {
                return TimeSpan.FromMilliseconds(UpperBoundMilliseconds(i));
            }
        }

        return TimeSpan.FromMilliseconds(UpperBoundMilliseconds(BucketCount - 1));
    }

    internal static int BucketOf(double milliseconds)
    {
        if (milliseconds <= 0.1)
        {
            return 0;
        }

        int i = (int)Math.Ceiling(4 * Math.Log2(milliseconds / 0.1) - 1e-9);
        return Math.Clamp(i, 0, BucketCount - 1);
    }

    internal static double UpperBoundMilliseconds(int bucket) => 0.1 * Math.Pow(2, bucket / 4.0);

    private static int WriteVarint(byte[] buffer, int at, long value)
    {
        ulong v = (ulong)value;
        while (v >= 0x80)
        {
            buffer[at++] = (byte)(v | 0x80);
            v >>= 7;
        }

        buffer[at++] = (byte)v;
        return at;
    }

    private static long ReadVarint(ReadOnlySpan<byte> data, ref int at)
    {
        ulong result = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            byte b = data[at++];
            result |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return (long)result;
            }
        }

        throw new FormatException("varint too long");
    }
}
