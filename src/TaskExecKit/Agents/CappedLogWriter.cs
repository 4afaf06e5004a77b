using System.Text;

namespace TaskExecKit.Agents;

/// <summary>Writes command output to a task's log from several pipes at once, up to a byte cap.</summary>
internal sealed class CappedLogWriter
{
    private readonly TextWriter _log;
    private readonly long _maxBytes;
    private readonly Lock _gate = new();
    private long _written;
    private bool _truncated;

    internal CappedLogWriter(TextWriter log, long maxBytes)
    {
        _log = log;
        _maxBytes = maxBytes;
    }

    internal bool Truncated => _truncated;

    internal void Write(ReadOnlySpan<char> text)
    {
        lock (_gate)
        {
            if (_truncated)
            {
                return;
            }

            long bytes = Encoding.UTF8.GetByteCount(text);
            if (_written + bytes <= _maxBytes)
            {
                _log.Write(text);
                _written += bytes;
                return;
            }

            // Write the part that fits, measured in characters; close enough to the byte budget.
            int fits = (int)Math.Min(text.Length, Math.Max(0, _maxBytes - _written));
            _log.Write(text[..fits]);
            _log.WriteLine();
            _log.WriteLine($"[output truncated: the log is capped at {_maxBytes} bytes]");
            _written = _maxBytes;
            _truncated = true;
        }
    }

    internal void WriteLine(string line)
    {
        lock (_gate)
        {
            _log.WriteLine(line);
        }
    }
}
