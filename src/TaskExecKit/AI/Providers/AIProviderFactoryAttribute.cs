using System.Diagnostics.CodeAnalysis;

namespace TaskExecKit.AI;

/// <summary>
/// Names the <see cref="IAIProviderFactory"/> a provider package ships. TaskExecKit loads the package's
/// well-known assembly (for example <c>TaskExecKit.AI.Anthropic</c>) by name when its provider is asked for
/// and reads this attribute; it never scans other assemblies.
/// </summary>
/// <param name="factoryType">A type implementing <see cref="IAIProviderFactory"/> with a public parameterless constructor.</param>
[AttributeUsage(AttributeTargets.Assembly, AllowMultiple = false)]
public sealed class AIProviderFactoryAttribute(
    [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] Type factoryType) : Attribute
{
    /// <summary>Gets the factory type.</summary>
    [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)]
    public Type FactoryType { get; } = factoryType;
}
