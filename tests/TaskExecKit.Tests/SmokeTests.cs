namespace TaskExecKit.Tests;

public sealed class SmokeTests
{
    [Fact]
    public void Core_assembly_is_named_TaskExecKit()
    {
        Assert.Equal("TaskExecKit", typeof(TaskExecKitException).Assembly.GetName().Name);
    }
}
