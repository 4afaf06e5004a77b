using TaskExecKit.Telemetry;

namespace TaskExecKit.Tests.Telemetry;

public sealed class EventQueueTests
{
    [Theory]
    [InlineData(64)]
    [InlineData(4096)]
    public async Task ManyWritersOneReader_EveryAcceptedEventIsReadOnceInEachWritersOrder(int capacity)
    {
        const int writers = 4;
        const int perWriter = 50_000;
        var queue = new EventQueue(capacity);
        var accepted = new long[writers];
        var lastSeen = new long[writers];
        Array.Fill(lastSeen, -1);
        long read = 0;

        var reader = Task.Run(async () =>
        {
            while (await queue.WaitToReadAsync())
            {
                while (queue.TryRead(out var e))
                {
                    int w = (int)e.Value;
                    Assert.True(e.Count > lastSeen[w], "a writer's events came out of order or twice");
                    lastSeen[w] = e.Count;
                    read++;
                }
            }
        });

        var tasks = Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            for (int i = 0; i < perWriter; i++)
            {
                if (queue.TryWrite(new TelemetryEvent { Kind = TelemetryEventKind.Metric, Value = w, Count = i }))
                {
                    accepted[w]++;
                }

                if (i % 5000 == 0)
                {
                    await Task.Yield(); // let the reader go idle and be woken again
                }
            }
        })).ToArray();

        await Task.WhenAll(tasks);
        queue.Complete();
        await reader.WaitAsync(TimeSpan.FromMinutes(2));

        Assert.Equal(accepted.Sum(), read);
        Assert.False(queue.TryWrite(new TelemetryEvent { Kind = TelemetryEventKind.Metric }), "a completed queue accepts nothing");
        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public async Task IdleReader_IsWokenByTheNextWrite()
    {
        var queue = new EventQueue(64);
        for (int round = 0; round < 200; round++)
        {
            var waiting = queue.WaitToReadAsync().AsTask();
            await Task.Delay(round % 10 == 0 ? 5 : 0);
            Assert.True(queue.TryWrite(new TelemetryEvent { Kind = TelemetryEventKind.Metric, Count = round }));
            Assert.True(await waiting.WaitAsync(TimeSpan.FromSeconds(30)));
            Assert.True(queue.TryRead(out var e));
            Assert.Equal(round, e.Count);
        }

        var last = queue.WaitToReadAsync().AsTask();
        queue.Complete();
        Assert.False(await last.WaitAsync(TimeSpan.FromSeconds(30)));
    }
}
