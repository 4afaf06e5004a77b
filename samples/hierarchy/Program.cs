// The CECCA sample: `dotnet run --project samples/hierarchy` (from the repository root).
// A CECCA reads hierarchy.toml, splits plan.md among three commanders whose stacks mix a shell
// agent, a tool agent, a composite (a vote of tool agents), the AI agent on the offline provider
// and no-op agents, and runs it through one executor. It prints who ran what and every decision.
using System.Globalization;
using Microsoft.Extensions.AI;
using TaskExecKit.Agents;
using TaskExecKit.Hierarchy;
using TaskExecKit.Planning;

string here = args.Length > 0 ? args[0] : Path.Combine("samples", "hierarchy");

// A tool: counts the lines of a file under the sample folder (the task's description names it).
var countLines = AIFunctionFactory.Create(
    (string path) => File.ReadLines(Path.Combine(here, Path.GetFileName(path))).Count().ToString(CultureInfo.InvariantCulture),
    "count_lines",
    "Counts the lines of a file in the sample folder.");
ITaskAgent LineCounter() => new ToolAgent(ToolStep.Create(countLines, new Dictionary<string, object?> { ["path"] = "{description}" }));

// The catalog commanders take their stacks from: built-in shell and noop, the offline AI agent,
// a pooled tool agent, a tool agent whose tasks give the tool's arguments in the plan (args:,
// checked against the tool's schema before the run), and a composite in which three tool agents
// vote (a majority decides).
var catalog = AgentRegistry.CreateDefault()
    .AddAI()
    .AddPooled("linecount", LineCounter, maxSize: 2)
    .AddTools("tools", countLines)
    .Add("checks", () => CompositeAgent.Vote(VoteRule.Majority, 3,
        new ToolAgent(ToolStep.Create(countLines, new Dictionary<string, object?> { ["path"] = "plan.md" })),
        new ToolAgent(ToolStep.Create(countLines, new Dictionary<string, object?> { ["path"] = "hierarchy.toml" })),
        new ToolAgent(ToolStep.Create(countLines, new Dictionary<string, object?> { ["path"] = "missing.txt" }))));

var cecca = Cecca.Builder()
    .Configure(Path.Combine(here, "hierarchy.toml"), catalog)
    .Build();

var plan = Plan.FromSot(Path.Combine(here, "plan.md"));
CeccaResult result = await cecca.RunAsync(plan, "check and sign off the release");

Console.WriteLine($"goal: {result.Goal}");
Console.WriteLine($"run: {result.Run.Status}, {result.Usage.Tasks} tasks, {result.Usage.Tokens} tokens of {cecca.Budget.MaxTokens}");
foreach (var task in result.Run.Tasks)
{
    Console.WriteLine($"  {task.TaskId,-6} {task.Status,-9} agent {task.Agent,-9} on {result.RanOn.GetValueOrDefault(task.TaskId, "-")}{(task.Reason is null ? string.Empty : ": " + task.Reason)}");
}

Console.WriteLine("commanders:");
foreach (var c in result.Commanders)
{
    Console.WriteLine($"  {c.Name,-8} budget [{c.Budget}] used {c.Usage.Tasks} tasks, {c.Usage.Tokens} tokens; {c.Succeeded} succeeded, {c.Failed} failed");
}

Console.WriteLine("decisions:");
foreach (var d in result.Decisions)
{
    Console.WriteLine($"  {d.Decision,-15} {d.Reason}");
}

return result.Succeeded ? 0 : 1;
