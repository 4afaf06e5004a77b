using System.Globalization;
using TaskExecKit.Effects;

namespace TaskExecKit.Agents;

/// <summary>
/// An agent made of agents, with the same interface, so a composite stands anywhere an agent can
/// (in a registry, a commander's stack, another composite). Create one with <see cref="Sequence"/>,
/// <see cref="Parallel"/>, <see cref="FirstSuccess"/> or <see cref="Vote"/>. Every member runs on
/// the same task under the same policy; a denied effect in any member ends the task as denied.
/// </summary>
public sealed class CompositeAgent : ITaskAgent
{
    private readonly ITaskAgent[] _members;
    private readonly Mode _mode;
    private readonly int _maxConcurrency;
    private readonly VoteRule? _rule;

    private CompositeAgent(Mode mode, ITaskAgent[] members, int maxConcurrency, VoteRule? rule)
    {
        ArgumentNullException.ThrowIfNull(members);
        if (members.Length == 0 || members.Any(m => m is null))
        {
            throw new ArgumentException("A composite agent needs at least one member, and no member may be null.", nameof(members));
        }

        _mode = mode;
        _members = [.. members];
        _maxConcurrency = maxConcurrency;
        _rule = rule;
    }

    private enum Mode
    {
        Sequence,
        Parallel,
        FirstSuccess,
        Vote,
    }

    /// <summary>Gets the members, in order.</summary>
    public IReadOnlyList<ITaskAgent> Members => _members;

    /// <summary>Runs the members one after another; the first failure ends the task with it.</summary>
    /// <param name="members">The agents.</param>
    /// <returns>The composite.</returns>
    public static CompositeAgent Sequence(params ITaskAgent[] members) => new(Mode.Sequence, members, 1, null);

    /// <summary>Runs the members at the same time, at most <paramref name="maxConcurrency"/> at once; succeeds when all succeed.</summary>
    /// <param name="maxConcurrency">How many members run at once, 1 to 64.</param>
    /// <param name="members">The agents.</param>
    /// <returns>The composite.</returns>
    public static CompositeAgent Parallel(int maxConcurrency, params ITaskAgent[] members)
    {
        CheckConcurrency(maxConcurrency);
        return new(Mode.Parallel, members, maxConcurrency, null);
    }

    /// <summary>Tries the members in order until one succeeds; fails with the last failure when none does.</summary>
    /// <param name="members">The agents.</param>
    /// <returns>The composite.</returns>
    public static CompositeAgent FirstSuccess(params ITaskAgent[] members) => new(Mode.FirstSuccess, members, 1, null);

    /// <summary>Lets every member answer (at most <paramref name="maxConcurrency"/> at once) and the rule decide the outcome.</summary>
    /// <param name="rule">Decides from the members' results, for example <see cref="VoteRule.Majority"/>.</param>
    /// <param name="maxConcurrency">How many members run at once, 1 to 64.</param>
    /// <param name="members">The voters.</param>
    /// <returns>The composite.</returns>
    public static CompositeAgent Vote(VoteRule rule, int maxConcurrency, params ITaskAgent[] members)
    {
        ArgumentNullException.ThrowIfNull(rule);
        CheckConcurrency(maxConcurrency);
        return new(Mode.Vote, members, maxConcurrency, rule);
    }

    /// <inheritdoc />
    public async ValueTask<AgentResult> RunAsync(AgentContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        switch (_mode)
        {
            case Mode.Sequence:
                foreach (var member in _members)
                {
                    var result = await member.RunAsync(context, cancellationToken).ConfigureAwait(false);
                    if (!result.Succeeded)
                    {
                        return result;
                    }
                }

                return AgentResult.Success();

            case Mode.FirstSuccess:
                AgentResult? last = null;
                foreach (var member in _members)
                {
                    try
                    {
                        last = await member.RunAsync(context, cancellationToken).ConfigureAwait(false);
                    }
                    catch (Exception ex) when (IsMemberFailure(ex, cancellationToken))
                    {
                        last = AgentResult.Failure($"{ex.GetType().Name}: {ex.Message}");
                    }

                    if (last.Succeeded)
                    {
                        return last;
                    }
                }

                return last!;

            default:
                var results = await RunAllAsync(context, cancellationToken).ConfigureAwait(false);
                if (_mode == Mode.Vote)
                {
                    var decided = _rule!.Decide(results);
                    await context.Log.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                        $"vote ({_rule}): {results.Count(r => r.Succeeded)} of {results.Count} succeeded → {(decided.Succeeded ? "success" : "failure")}").AsMemory(), cancellationToken).ConfigureAwait(false);
                    return decided;
                }

                var failed = results.Where(r => !r.Succeeded).ToList();
                return failed.Count == 0
                    ? AgentResult.Success()
                    : AgentResult.Failure(string.Create(CultureInfo.InvariantCulture, $"{failed.Count} of {results.Count} parallel agents failed; first: {failed[0].Error}"), isTransient: failed.All(f => f.IsTransient));
        }
    }

    private async Task<IReadOnlyList<AgentResult>> RunAllAsync(AgentContext context, CancellationToken cancellationToken)
    {
        var results = new AgentResult[_members.Length];
        EffectDeniedException? denial = null;
        await System.Threading.Tasks.Parallel.ForAsync(0, _members.Length, new ParallelOptions { MaxDegreeOfParallelism = _maxConcurrency, CancellationToken = cancellationToken }, async (i, ct) =>
        {
            try
            {
                results[i] = await _members[i].RunAsync(context.CreateChild(), ct).ConfigureAwait(false);
            }
            catch (EffectDeniedException ex)
            {
                Interlocked.CompareExchange(ref denial, ex, null);
                results[i] = AgentResult.Failure(ex.Message);
            }
            catch (Exception ex) when (IsMemberFailure(ex, ct))
            {
                results[i] = AgentResult.Failure($"{ex.GetType().Name}: {ex.Message}", isTransient: ex is TaskExecKitException { IsTransient: true });
            }
        }).ConfigureAwait(false);

        if (denial is not null)
        {
            // Safety over the vote: a member asked for an effect the task was not granted.
            throw denial;
        }

        return results;
    }

    private static bool IsMemberFailure(Exception ex, CancellationToken cancellationToken)
        => ex is not EffectDeniedException && !(ex is OperationCanceledException && cancellationToken.IsCancellationRequested) && ex is not OutOfMemoryException;

    private static void CheckConcurrency(int maxConcurrency)
    {
        if (maxConcurrency is < 1 or > 64)
        {
            throw new ArgumentOutOfRangeException(nameof(maxConcurrency), maxConcurrency, "maxConcurrency must be between 1 and 64.");
        }
    }
}

/// <summary>Decides a <see cref="CompositeAgent.Vote"/> from its members' results.</summary>
public sealed class VoteRule
{
    private readonly Func<IReadOnlyList<AgentResult>, AgentResult> _decide;
    private readonly string _name;

    private VoteRule(string name, Func<IReadOnlyList<AgentResult>, AgentResult> decide)
    {
        _name = name;
        _decide = decide;
    }

    /// <summary>Gets a rule that succeeds when more than half of the members succeeded.</summary>
    public static VoteRule Majority { get; } = AtLeastFraction("majority", n => (n / 2) + 1);

    /// <summary>Gets a rule that succeeds only when every member succeeded.</summary>
    public static VoteRule Unanimous { get; } = AtLeastFraction("unanimous", n => n);

    /// <summary>Creates a rule that succeeds when at least <paramref name="count"/> members succeeded.</summary>
    /// <param name="count">How many must succeed, at least 1.</param>
    /// <returns>The rule.</returns>
    public static VoteRule AtLeast(int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        return AtLeastFraction(string.Create(CultureInfo.InvariantCulture, $"at least {count}"), _ => count);
    }

    /// <summary>Creates a rule from the host's own decision.</summary>
    /// <param name="name">The rule's name, for the log.</param>
    /// <param name="decide">Returns the composite's result from the members' results (in member order).</param>
    /// <returns>The rule.</returns>
    public static VoteRule Custom(string name, Func<IReadOnlyList<AgentResult>, AgentResult> decide)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(decide);
        return new VoteRule(name, decide);
    }

    /// <summary>Returns the rule's name.</summary>
    /// <returns>For example <c>majority</c>.</returns>
    public override string ToString() => _name;

    internal AgentResult Decide(IReadOnlyList<AgentResult> results) => _decide(results) ?? AgentResult.Failure($"vote rule {_name} returned no result");

    private static VoteRule AtLeastFraction(string name, Func<int, int> needed) => new(name, results =>
    {
        int yes = results.Count(r => r.Succeeded);
        int need = needed(results.Count);
        return yes >= need
            ? AgentResult.Success()
            : AgentResult.Failure(string.Create(CultureInfo.InvariantCulture, $"vote ({name}) failed: {yes} of {results.Count} agents succeeded, {need} needed"));
    });
}
