namespace TaskExecKit.Planning;

/// <summary>
/// Where each attribute of a task was written, kept compactly: one (key, line, column) entry per
/// attribute in a small array rather than a dictionary per task. Only the keys a plan can hold
/// (<see cref="Keys"/>) are kept; the file is the task's.
/// </summary>
internal sealed class AttributeLocations
{
    /// <summary>The attribute keys of plan.json version 2 tasks; sot.md's are a subset.</summary>
    internal static readonly string[] Keys = ["id", "title", "layer", "agent", "run", "needs", "effects", "timeout", "retries", "description", "done", "idempotent", "tool", "args"];

    private readonly string? _file;
    private Entry[] _entries;
    private int _count;

    internal AttributeLocations(string? file, int capacity = 4)
    {
        _file = file;
        _entries = new Entry[capacity];
    }

    internal int Count => _count;

    /// <summary>The index of a key in <see cref="Keys"/>, or -1.</summary>
    internal static int IndexOf(string key) => Array.IndexOf(Keys, key);

    /// <summary>Records where a key was first written; false (and nothing recorded) when it already was.</summary>
    internal bool TryAdd(int key, int line, int column)
    {
        if (Find(key) >= 0)
        {
            return false;
        }

        if (_count == _entries.Length)
        {
            Array.Resize(ref _entries, _count * 2);
        }

        _entries[_count++] = new Entry((byte)key, line, column);
        return true;
    }

    internal bool TryGet(string key, out SourceLocation location)
    {
        int i = Find(IndexOf(key));
        location = i < 0 ? default : new SourceLocation(_file, _entries[i].Line, _entries[i].Column);
        return i >= 0;
    }

    private int Find(int key)
    {
        for (int i = 0; i < _count; i++)
        {
            if (_entries[i].Key == key)
            {
                return i;
            }
        }

        return -1;
    }

    private readonly record struct Entry(byte Key, int Line, int Column);
}
