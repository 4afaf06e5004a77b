// task-exec-kit: a thin command-line demo over the TaskExecKit library.
using TaskExecKit.Cli;

return await CliApp.CreateRoot().Parse(args).InvokeAsync().ConfigureAwait(false);
