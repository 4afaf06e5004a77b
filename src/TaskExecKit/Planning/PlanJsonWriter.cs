using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace TaskExecKit.Planning;

/// <summary>
/// Writes plan.json. Version 1 keeps the legacy shape and key order exactly
/// (version, source, generated_at, queues[name, tasks[id, title, layer]]); version 2 adds
/// each task's attributes after them, only when set.
/// </summary>
internal static class PlanJsonWriter
{
    private static readonly JsonWriterOptions Options = new()
    {
        Indented = true,
        IndentSize = 2,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    // What one task takes, roughly: a version 1 task writes about 110 bytes (id, title, layer),
    // a version 2 task with an agent, a run, needs, effects and a timeout about 430.
    private const int V1BytesPerTask = 128;
    private const int V2BytesPerTask = 512;

    internal static byte[] Write(Plan plan) => WriteToBuffer(plan).WrittenSpan.ToArray();

    /// <summary>The plan as plan.json text, decoded straight from the writer's buffer (no copy to an array first).</summary>
    internal static string WriteString(Plan plan) => Encoding.UTF8.GetString(WriteToBuffer(plan).WrittenSpan);

    private static ArrayBufferWriter<byte> WriteToBuffer(Plan plan)
    {
        // Sized so a typical plan never makes the buffer grow (each growth copies everything written so far).
        var buffer = new ArrayBufferWriter<byte>(256 + (plan.Tasks.Count * (plan.Version >= 2 ? V2BytesPerTask : V1BytesPerTask)));
        using (var w = new Utf8JsonWriter(buffer, Options))
        {
            w.WriteStartObject();
            w.WriteNumber("version", plan.Version);
            if (plan.Source is null)
            {
                w.WriteNull("source");
            }
            else
            {
                w.WriteString("source", plan.Source);
            }

            w.WriteString("generated_at", plan.GeneratedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
            w.WriteStartArray("queues");
            foreach (var queue in plan.Queues)
            {
                w.WriteStartObject();
                w.WriteString("name", queue.Name);
                w.WriteStartArray("tasks");
                foreach (var task in queue.Tasks)
                {
                    WriteTask(w, task, plan.Version);
                }

                w.WriteEndArray();
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        buffer.Write("\n"u8);
        return buffer;
    }

    private static void WriteTask(Utf8JsonWriter w, PlanTask task, int version)
    {
        w.WriteStartObject();
        w.WriteString("id", task.Id);
        w.WriteString("title", task.Title);
        w.WriteString("layer", task.Layer);
        if (version >= 2)
        {
            if (task.Agent is not null)
            {
                w.WriteString("agent", task.Agent);
            }

            if (task.Run is not null)
            {
                WriteStrings(w, "run", task.Run);
            }

            if (task.Needs.Count > 0)
            {
                WriteStrings(w, "needs", task.Needs);
            }

            if (task.Effects.Count > 0)
            {
                w.WriteStartArray("effects");
                foreach (var effect in task.Effects)
                {
                    w.WriteStringValue(effect.ToString());
                }

                w.WriteEndArray();
            }

            if (task.Timeout is { } timeout)
            {
                w.WriteString("timeout", Duration.Format(timeout));
            }

            if (task.Retries is { } retries)
            {
                w.WriteNumber("retries", retries);
            }

            if (task.Description is not null)
            {
                w.WriteString("description", task.Description);
            }

            if (task.IsDone)
            {
                w.WriteBoolean("done", true);
            }

            if (!task.IsIdempotent)
            {
                w.WriteBoolean("idempotent", false);
            }

            if (task.Tool is not null)
            {
                w.WriteString("tool", task.Tool);
            }

            if (task.Arguments is { } arguments)
            {
                w.WritePropertyName("args");
                arguments.WriteTo(w);
            }
        }

        w.WriteEndObject();
    }

    private static void WriteStrings(Utf8JsonWriter w, string name, IReadOnlyList<string> values)
    {
        w.WriteStartArray(name);
        foreach (string value in values)
        {
            w.WriteStringValue(value);
        }

        w.WriteEndArray();
    }
}
