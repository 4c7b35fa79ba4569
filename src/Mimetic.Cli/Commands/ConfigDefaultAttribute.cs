using System.ComponentModel;
using System.Reflection;

namespace Mimetic.Cli.Commands;

/// <summary>
/// An option's default read from a config record — the one place a run's defaults are written. Spectre fills the
/// option with it when it is not given, and the help shows it, so the command line and the library agree by construction.
/// </summary>
/// <typeparam name="TConfig">The config record whose fresh instance holds the default.</typeparam>
/// <param name="path">The property, or a dotted path into nested records (<c>Mimetic.Alpha1</c>).</param>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class ConfigDefaultAttribute<TConfig>(string path) : DefaultValueAttribute(Read(path))
    where TConfig : new()
{
    /// <summary>The value at <paramref name="path"/> of a new <typeparamref name="TConfig"/>.</summary>
    internal static object? Read(string path)
    {
        object? value = new TConfig();
        foreach (var name in path.Split('.'))
        {
            var property = value?.GetType().GetProperty(name, BindingFlags.Public | BindingFlags.Instance)
                ?? throw new InvalidOperationException($"{typeof(TConfig).Name} has no property '{path}'");
            value = property.GetValue(value);
        }

        return value;
    }
}
