using System.Diagnostics.CodeAnalysis;
using Polly;
using Polly.Retry;

namespace TaskExecKit.Agents;

/// <summary>The Polly retry pipeline the <c>UseRetry</c> middleware of task agents and AI agents share.</summary>
internal static class RetryPipelines
{
    /// <summary>
    /// Builds a retry of up to <paramref name="maxRetries"/> (1 to 100) with exponential back-off from
    /// <paramref name="delay"/> (jittered when not zero) on <paramref name="timeProvider"/>, retrying the
    /// outcomes <paramref name="shouldRetry"/> accepts.
    /// </summary>
    internal static ResiliencePipeline<T> Build<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.All)] T>(int maxRetries, TimeSpan? delay, TimeProvider? timeProvider, Func<Outcome<T>, bool> shouldRetry)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRetries, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxRetries, 100);
        TimeSpan backoff = delay ?? TimeSpan.Zero;
        return new ResiliencePipelineBuilder<T> { TimeProvider = timeProvider ?? TimeProvider.System }
            .AddRetry(new RetryStrategyOptions<T>
            {
                MaxRetryAttempts = maxRetries,
                Delay = backoff,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = backoff > TimeSpan.Zero,
                ShouldHandle = args => new ValueTask<bool>(shouldRetry(args.Outcome)),
            })
            .Build();
    }
}
