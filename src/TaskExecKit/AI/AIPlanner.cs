using System.Globalization;
using System.Text;
using TaskExecKit.Planning;

namespace TaskExecKit.AI;

/// <summary>
/// Turns a goal into a plan with an <see cref="AIAgent"/>: the model is asked for a sot.md version 2
/// document, which is read with <see cref="Plan.ParseSot"/> and checked with <see cref="Plan.Validate"/>;
/// when it is not a valid plan, the model is asked again with the problems, up to
/// <see cref="AIAgent.MaxAnswerAttempts"/> answers in all. Nothing the model writes is used before it
/// passes the planner's own parser and validator, and nothing runs: the result is a plan to review.
/// </summary>
public sealed class AIPlanner
{
    private const string FormatInstructions = """
        You write plans for TaskExecKit in sot.md version 2. Answer with only the markdown document, no prose around it.
        Format:
        ## Queue A — <queue name>
        - [ ] `TASK-010` <task title>
          - agent: shell
          - run: ["<executable>", "<arg>", ...]
          - effects: process:<executable>, fs.read:., fs.write:./<folder>
          - timeout: 5m
        - [ ] `TASK-020` <next task title>
          - agent: noop
          - needs: TASK-010
          - description: <what a person does here>
        Rules: ids are unique (letters, a dash, digits); needs names earlier ids only, with no cycles;
        agent is shell (with a run command given as a JSON array, never a shell string) or noop (no run);
        effects grant only what the command needs; timeout is a number and a unit (ms, s, m, h).
        """;

    private readonly AIAgent _agent;
    private readonly PlanValidationOptions? _validation;

    /// <summary>Creates a planner that asks <paramref name="agent"/> (tools are not needed and should not be given).</summary>
    /// <param name="agent">The agent; for the offline provider, build it with <see cref="OfflineRules"/>.</param>
    /// <param name="validation">How plans are validated (e.g. which agents are registered); the defaults when null.</param>
    public AIPlanner(AIAgent agent, PlanValidationOptions? validation = null)
    {
        ArgumentNullException.ThrowIfNull(agent);
        _agent = agent;
        _validation = validation;
    }

    /// <summary>
    /// Gets offline rules that plan the sample goals (continuous integration, a release, a test run)
    /// and give any other goal a three-step review plan, so that planning works with no model.
    /// </summary>
    public static IReadOnlyList<OfflineRule> OfflineRules { get; } =
    [
        OfflineRule.Respond(@"^Goal:[^\n]*\b(ci|continuous integration|build pipeline)\b", """
            ## Queue A — Continuous integration
            - [ ] `CI-010` Restore the packages
              - agent: shell
              - run: ["dotnet", "restore"]
              - effects: process:dotnet, fs.read:., fs.write:.
              - timeout: 10m
            - [ ] `CI-020` Build in Release
              - agent: shell
              - run: ["dotnet", "build", "-c", "Release", "--no-restore"]
              - needs: CI-010
              - effects: process:dotnet, fs.read:., fs.write:.
              - timeout: 15m
            - [ ] `CI-030` Run the tests
              - agent: shell
              - run: ["dotnet", "test", "-c", "Release", "--no-build"]
              - needs: CI-020
              - effects: process:dotnet, fs.read:., fs.write:.
              - timeout: 30m
              - retries: 1
            """),
        OfflineRule.Respond(@"^Goal:[^\n]*\brelease\b", """
            ## Queue A — Release
            - [ ] `REL-010` Check the working tree is clean
              - agent: shell
              - run: ["git", "status", "--porcelain"]
              - effects: process:git, fs.read:.
              - timeout: 1m
            - [ ] `REL-020` Build and pack in Release
              - agent: shell
              - run: ["dotnet", "pack", "-c", "Release", "-o", "artifacts"]
              - needs: REL-010
              - effects: process:dotnet, fs.read:., fs.write:.
              - timeout: 20m
            - [ ] `REL-030` Review the packages and write the release notes
              - agent: noop
              - needs: REL-020
              - description: a person checks artifacts/ and writes the notes
            - [ ] `REL-040` Tag the release
              - agent: noop
              - needs: REL-030
              - description: a person tags the commit once the notes are approved
            """),
        OfflineRule.Respond(@"^Goal:[^\n]*\btests?\b", """
            ## Queue A — Tests
            - [ ] `TEST-010` Build
              - agent: shell
              - run: ["dotnet", "build", "-c", "Release"]
              - effects: process:dotnet, fs.read:., fs.write:.
              - timeout: 15m
            - [ ] `TEST-020` Run the tests
              - agent: shell
              - run: ["dotnet", "test", "-c", "Release", "--no-build"]
              - needs: TEST-010
              - effects: process:dotnet, fs.read:., fs.write:.
              - timeout: 30m
            """),
        OfflineRule.Respond(@"^Goal:", """
            ## Queue A — Review
            - [ ] `PLAN-010` Describe what done looks like
              - agent: noop
              - description: the offline provider has no rule for this goal; a person writes the acceptance criteria
            - [ ] `PLAN-020` Do the work
              - agent: noop
              - needs: PLAN-010
            - [ ] `PLAN-030` Check the result against the criteria
              - agent: noop
              - needs: PLAN-020
            """),
    ];

    /// <summary>Asks for a plan for <paramref name="goal"/> until one is valid or the attempts run out.</summary>
    /// <param name="goal">What the plan should achieve, in one line.</param>
    /// <param name="cancellationToken">Cancels the planning.</param>
    /// <returns>The plan and its markdown when valid; otherwise the problems with the last answer.</returns>
    public async Task<PlannerResult> PlanAsync(string goal, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(goal);
        string oneLine = goal.ReplaceLineEndings(" ").Trim();
        string prompt = "Goal: " + oneLine;
        IReadOnlyList<string> errors = [];
        string markdown = string.Empty;
        AgentResponse? response = null;
        int attempts = _agent.MaxAnswerAttempts;
        for (int attempt = 1; attempt <= attempts; attempt++)
        {
            (response, _) = await _agent.RunCoreAsync(prompt, task: null, FormatInstructions, cancellationToken).ConfigureAwait(false);
            if (!response.IsCompleted)
            {
                return new PlannerResult(null, response.Text, [$"the model did not finish: {response.StopReason}. {response.StopDetail}"], attempt, response);
            }

            markdown = StripFence(response.Text);
            (Plan? plan, errors) = Check(markdown);
            if (plan is not null)
            {
                return new PlannerResult(plan, markdown.TrimEnd() + "\n", [], attempt, response);
            }

            var again = new StringBuilder().Append(prompt).Append("\n\nYour previous plan was not valid:\n");
            foreach (string error in errors)
            {
                again.Append("- ").Append(error).Append('\n');
            }

            again.Append("Previous plan:\n").Append(markdown).Append("\nWrite the whole plan again, fixed.");
            prompt = again.ToString();
        }

        return new PlannerResult(null, markdown, errors, attempts, response!);
    }

    private (Plan? Plan, IReadOnlyList<string> Errors) Check(string markdown)
    {
        Plan plan;
        try
        {
            plan = Plan.ParseSot(markdown, "plan.md");
        }
        catch (PlanParseException ex)
        {
            return (null, [ex.Message]);
        }

        if (plan.Version != 2)
        {
            return (null, ["the answer is not sot.md version 2: it has no task line like - [ ] `TASK-010` Title"]);
        }

        if (plan.Tasks.Count == 0)
        {
            return (null, ["the plan has no tasks"]);
        }

        var validation = plan.Validate(_validation);
        return validation.IsValid ? (plan, []) : (null, [.. validation.Diagnostics.Select(d => d.ToString())]);
    }

    private static string StripFence(string text)
    {
        string trimmed = text.Trim();
        if (!trimmed.StartsWith("```", StringComparison.Ordinal) || !trimmed.EndsWith("```", StringComparison.Ordinal) || trimmed.Length < 6)
        {
            return trimmed;
        }

        int firstLine = trimmed.IndexOf('\n', StringComparison.Ordinal);
        return firstLine < 0 ? trimmed : trimmed[(firstLine + 1)..^3].Trim();
    }
}

/// <summary>What <see cref="AIPlanner.PlanAsync"/> produced.</summary>
public sealed class PlannerResult
{
    internal PlannerResult(Plan? plan, string markdown, IReadOnlyList<string> errors, int attempts, AgentResponse lastResponse)
    {
        Plan = plan;
        Markdown = markdown;
        Errors = errors;
        Attempts = attempts;
        LastResponse = lastResponse;
    }

    /// <summary>Gets the valid plan, or null when none was produced.</summary>
    public Plan? Plan { get; }

    /// <summary>Gets a value indicating whether <see cref="Plan"/> is a valid plan.</summary>
    public bool IsValid => Plan is not null;

    /// <summary>Gets the sot.md text of the plan (when valid) or of the last answer.</summary>
    public string Markdown { get; }

    /// <summary>Gets the problems with the last answer (empty when valid).</summary>
    public IReadOnlyList<string> Errors { get; }

    /// <summary>Gets how many answers were asked for.</summary>
    public int Attempts { get; }

    /// <summary>Gets the last agent run (provider, model, usage).</summary>
    public AgentResponse LastResponse { get; }

    /// <inheritdoc />
    public override string ToString() => IsValid
        ? string.Create(CultureInfo.InvariantCulture, $"a valid plan of {Plan!.Tasks.Count} task(s) after {Attempts} answer(s)")
        : string.Create(CultureInfo.InvariantCulture, $"no valid plan after {Attempts} answer(s): {string.Join("; ", Errors)}");
}
