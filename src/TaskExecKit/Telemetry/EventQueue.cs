using System.Runtime.InteropServices;
using System.Threading.Tasks.Sources;

namespace TaskExecKit.Telemetry;

/// <summary>
/// The recording queue: a bounded, lock-free, many-writers/one-reader ring of <see cref="TelemetryEvent"/>s
/// (D. Vyukov's bounded queue: each slot carries a sequence number that says whose turn it is).
/// A write is one compare-and-swap on the write position and a copy of the struct: no lock, no allocation,
/// and it never waits; a full queue makes it return false. The reader sleeps only when the queue is empty and
/// is woken by the first write after it said so, through a reusable waiter queued on the thread pool as its own
/// work item (no allocation on the writing thread, as the channel this replaced).
/// </summary>
internal sealed class EventQueue
{
    private readonly Slot[] _slots;
    private readonly long _mask;
    private readonly Waiter _waiter = new();
    private Positions _positions;
    private int _readerSleeping;
    private volatile bool _completed;

    internal EventQueue(int capacity)
    {
        // A power of two at least as big as asked, so a position maps to its slot with a mask.
        int size = (int)Math.Min(1 << 30, System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(2, capacity)));
        _slots = new Slot[size];
        for (int i = 0; i < size; i++)
        {
            _slots[i].Sequence = i;
        }

        _mask = size - 1;
        Capacity = size;
    }

    internal int Capacity { get; }

    /// <summary>Gets how many events wait to be read (a moment's estimate).</summary>
    internal int Count => (int)Math.Clamp(Volatile.Read(ref _positions.Write) - Volatile.Read(ref _positions.Read), 0, Capacity);

    /// <summary>Adds an event; false when the queue is full or completed. Never blocks, never allocates.</summary>
    internal bool TryWrite(in TelemetryEvent e)
    {
        if (_completed)
        {
            return false;
        }

        var slots = _slots;
        long position = Volatile.Read(ref _positions.Write);
        ref Slot slot = ref slots[0];
        while (true)
        {
            slot = ref slots[position & _mask];
            long difference = Volatile.Read(ref slot.Sequence) - position;
            if (difference == 0)
            {
                long seen = Interlocked.CompareExchange(ref _positions.Write, position + 1, position);
                if (seen == position)
                {
                    break;
                }

                position = seen;
            }
            else if (difference < 0)
            {
                // The slot still holds an event from one lap ago: full.
                return false;
            }
            else
            {
                position = Volatile.Read(ref _positions.Write);
            }
        }

        slot.Event = e;

        // A full fence: the publish is seen before this writer looks at the reader's flag (and the reader sets the
        // flag before it looks at the slot), so a sleeping reader is never missed.
        Interlocked.Exchange(ref slot.Sequence, position + 1);
        if (Volatile.Read(ref _readerSleeping) != 0 && Interlocked.Exchange(ref _readerSleeping, 0) != 0)
        {
            _waiter.Signal();
        }

        return true;
    }

    /// <summary>Takes the oldest event; false when none is ready. One reader only.</summary>
    internal bool TryRead(out TelemetryEvent e)
    {
        long position = _positions.Read;
        ref Slot slot = ref _slots[position & _mask];
        if (Volatile.Read(ref slot.Sequence) != position + 1)
        {
            e = default;
            return false;
        }

        e = slot.Event;
        slot.Event = default; // let the strings go
        Volatile.Write(ref slot.Sequence, position + Capacity);
        Volatile.Write(ref _positions.Read, position + 1);
        return true;
    }

    /// <summary>Waits until an event can be read (true) or the queue is completed and empty (false). One reader only.</summary>
    internal async ValueTask<bool> WaitToReadAsync()
    {
        while (true)
        {
            if (HasReadable())
            {
                return true;
            }

            if (_completed)
            {
                // Writers that passed the completed check before it was set may still be publishing.
                return HasPendingWrites() && await DrainLateWritesAsync().ConfigureAwait(false);
            }

            _waiter.Reset();
            Interlocked.Exchange(ref _readerSleeping, 1);
            if ((HasReadable() || _completed) && Interlocked.Exchange(ref _readerSleeping, 0) != 0)
            {
                continue; // nobody took the flag, so nobody signals
            }

            await new ValueTask(_waiter, _waiter.Version).ConfigureAwait(false);
        }
    }

    /// <summary>Stops accepting events and wakes the reader, which drains what was written and ends.</summary>
    internal void Complete()
    {
        _completed = true;
        Interlocked.MemoryBarrier();
        if (Interlocked.Exchange(ref _readerSleeping, 0) != 0)
        {
            _waiter.Signal();
        }
    }

    private bool HasReadable()
    {
        long position = _positions.Read;
        return Volatile.Read(ref _slots[position & _mask].Sequence) == position + 1;
    }

    private bool HasPendingWrites() => Volatile.Read(ref _positions.Write) != _positions.Read;

    private async ValueTask<bool> DrainLateWritesAsync()
    {
        // A claimed slot is published within a few instructions; give it time, boundedly.
        for (int i = 0; i < 100 && !HasReadable(); i++)
        {
            await Task.Delay(1).ConfigureAwait(false);
        }

        return HasReadable();
    }

    private struct Slot
    {
        public long Sequence;
        public TelemetryEvent Event;
    }

    /// <summary>The write and read positions on separate cache lines, so writers and the reader do not share one.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 192)]
    private struct Positions
    {
        [FieldOffset(64)]
        public long Write;

        [FieldOffset(128)]
        public long Read;
    }

    /// <summary>
    /// The reader's reusable wait: a value-task source that is also its own thread-pool work item, so the writer
    /// that wakes the reader queues it without allocating, and the reader's continuation runs on the pool.
    /// </summary>
    private sealed class Waiter : IValueTaskSource, IThreadPoolWorkItem
    {
        private ManualResetValueTaskSourceCore<bool> _core;

        public short Version => _core.Version;

        public void Reset() => _core.Reset();

        public void Signal() => ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);

        public void Execute() => _core.SetResult(true);

        public void GetResult(short token) => _core.GetResult(token);

        public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

        public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
            => _core.OnCompleted(continuation, state, token, flags);
    }
}
