using System.Diagnostics;
using System.Text;
using TaskExecKit.Configuration;

namespace TaskExecKit.Tests.Configuration;

/// <summary>
/// Feeds thousands of mutated copies of the shipped sample to the loader and accepts only a
/// <see cref="ConfigurationException"/> (or success): no other exception type, and no hang.
/// </summary>
public sealed class ConfigurationFuzzTests
{
    private const int Iterations = 3_000;

    private static readonly string[] Fragments =
    [
        "[", "]", "[[", "]]", "=", "\"", "'", "'''", "\"\"\"", "\n", "\r\n", "#", ".", ",", "{", "}",
        "[core]", "[agents.x]", "[[core]]", "a.b.c = 1", "max_workers", "1e999", "-0", "0x7fffffffffffffff",
        "99999999999999999999", "inf", "nan", "true", "1979-05-27T07:32:00Z", "\\u", "\\", "\0", "\u00e9",
        "api_key = \"sk-x\"", "= [", "[1, \"a\"]", "\"250ms\"", "\"0s\"", "{ a = 1 }", "\t", "  ",
    ];

    [Fact]
    public async Task Load_MutatedSampleFiles_ThrowsOnlyConfigurationException()
    {
        using var dir = new TempConfigDirectory();
        var sample = TempConfigDirectory.SampleConfig();
        var originals = Directory.GetFiles(sample, "*.toml", SearchOption.AllDirectories)
            .Select(file => (Relative: Path.GetRelativePath(sample, file), Bytes: File.ReadAllBytes(file)))
            .ToArray();
        foreach (var (relative, bytes) in originals)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(dir.Path, relative))!);
            File.WriteAllBytes(Path.Combine(dir.Path, relative), bytes);
        }

        var singleFile = Path.Combine(dir.Path, "..", Path.GetFileName(dir.Path) + "-single.toml");
        var options = new EngineConfigLoadOptions { Environment = "development", EnvironmentVariables = new Dictionary<string, string>() };
        var random = new Random(20261114);
        var failures = new List<string>();
        var loaded = 0;
        var rejected = 0;
        var clock = Stopwatch.StartNew();

        await Task.Run(() =>
        {
            try
            {
                for (var i = 0; i < Iterations && failures.Count < 5; i++)
                {
                    var (relative, original) = originals[random.Next(originals.Length)];
                    var mutated = Mutate(original, random);
                    var target = Path.Combine(dir.Path, relative);
                    var useSingleFile = i % 10 == 0;
                    File.WriteAllBytes(useSingleFile ? singleFile : target, mutated);
                    try
                    {
                        EngineConfig.Load(useSingleFile ? singleFile : dir.Path, options);
                        loaded++;
                    }
                    catch (ConfigurationException ex)
                    {
                        Assert.False(string.IsNullOrWhiteSpace(ex.Message));
                        Assert.NotEmpty(ex.Problems);
                        rejected++;
                    }
#pragma warning disable CA1031 // The point of the test is to catch every other exception type.
                    catch (Exception ex)
#pragma warning restore CA1031
                    {
                        failures.Add($"iteration {i}, {relative}: {ex.GetType().FullName}: {ex.Message}\n--- input (base64) ---\n{Convert.ToBase64String(mutated)}");
                    }
                    finally
                    {
                        File.WriteAllBytes(target, original);
                    }
                }
            }
            finally
            {
                File.Delete(singleFile);
            }
        }).WaitAsync(TimeSpan.FromMinutes(5));

        Assert.True(failures.Count == 0, string.Join("\n\n", failures));
        Assert.True(rejected > Iterations / 4, $"only {rejected} of {Iterations} mutations were rejected; the mutator may be too gentle");
        Assert.True(loaded > 0, "no mutation loaded; the sample may be broken");
        Assert.True(clock.Elapsed < TimeSpan.FromMinutes(5));
    }

    private static byte[] Mutate(byte[] input, Random random)
    {
        var data = new List<byte>(input);
        var rounds = 1 + random.Next(4);
        for (var round = 0; round < rounds; round++)
        {
            switch (random.Next(7))
            {
                case 0 when data.Count > 0:
                    // Flip one bit of a random byte.
                    var at = random.Next(data.Count);
                    data[at] ^= (byte)(1 << random.Next(8));
                    break;
                case 1 when data.Count > 0:
                    // Delete a short range.
                    var start = random.Next(data.Count);
                    data.RemoveRange(start, Math.Min(data.Count - start, 1 + random.Next(12)));
                    break;
                case 2:
                    // Insert random bytes.
                    var bytes = new byte[1 + random.Next(6)];
                    random.NextBytes(bytes);
                    data.InsertRange(random.Next(data.Count + 1), bytes);
                    break;
                case 3:
                    // Insert a TOML-significant fragment.
                    var fragment = Encoding.UTF8.GetBytes(Fragments[random.Next(Fragments.Length)]);
                    data.InsertRange(random.Next(data.Count + 1), fragment);
                    break;
                case 4 when data.Count > 0:
                    // Truncate.
                    var keep = random.Next(data.Count);
                    data.RemoveRange(keep, data.Count - keep);
                    break;
                default:
                    // Duplicate or move a whole line.
                    var lines = Encoding.UTF8.GetString(data.ToArray()).Split('\n').ToList();
                    var line = lines[random.Next(lines.Count)];
                    if (random.Next(2) == 0)
                    {
                        lines.Remove(line);
                    }

                    lines.Insert(random.Next(lines.Count + 1), line);
                    data = [.. Encoding.UTF8.GetBytes(string.Join('\n', lines))];
                    break;
            }
        }

        return [.. data];
    }
}
