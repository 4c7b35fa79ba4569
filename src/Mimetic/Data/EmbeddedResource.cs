using Mimetic.Io;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace Mimetic.Data;

/// <summary>
/// Reads a manifest resource out of a .NET assembly file without loading the assembly (System.Reflection.Metadata):
/// the resource's offset comes from the metadata, its 4-byte length prefix from the CLI resources section, and both
/// are checked against that section before anything is copied.
/// </summary>
public static class EmbeddedResource
{
    /// <summary>Copies the embedded resource <paramref name="resourceName"/> of <paramref name="assemblyPath"/> to <paramref name="destination"/>.</summary>
    /// <returns>The number of bytes written.</returns>
    /// <exception cref="FileNotFoundException">No such assembly.</exception>
    /// <exception cref="InvalidModelFileException">The file is not a .NET assembly, has no such embedded resource, or its resource table is malformed.</exception>
    public static long Extract(string assemblyPath, string resourceName, Stream destination)
    {
        ArgumentException.ThrowIfNullOrEmpty(assemblyPath);
        ArgumentException.ThrowIfNullOrEmpty(resourceName);
        ArgumentNullException.ThrowIfNull(destination);
        if (!File.Exists(assemblyPath))
        {
            throw new FileNotFoundException($"file not found: {assemblyPath}", assemblyPath);
        }

        var name = Path.GetFileName(assemblyPath);
        try
        {
            using var stream = File.OpenRead(assemblyPath);
            using var pe = new PEReader(stream);
            if (!pe.HasMetadata || pe.PEHeaders.CorHeader is not { } cor)
            {
                throw new InvalidModelFileException($"{name} is not a .NET assembly.");
            }

            var metadata = pe.GetMetadataReader();
            foreach (var handle in metadata.ManifestResources)
            {
                var resource = metadata.GetManifestResource(handle);
                if (!resource.Implementation.IsNil || !metadata.StringComparer.Equals(resource.Name, resourceName))
                {
                    continue;
                }

                var section = cor.ResourcesDirectory;
                if (section.Size <= 0 || resource.Offset < 0 || resource.Offset > section.Size - sizeof(int))
                {
                    throw new InvalidModelFileException($"{name}: resource '{resourceName}' lies outside the resources section.");
                }

                var reader = pe.GetSectionData(section.RelativeVirtualAddress).GetReader((int)resource.Offset, section.Size - (int)resource.Offset);
                var length = reader.ReadInt32();
                if (length < 0 || length > reader.RemainingBytes)
                {
                    throw new InvalidModelFileException($"{name}: resource '{resourceName}' claims {length} bytes, more than its section holds.");
                }

                unsafe
                {
                    destination.Write(new ReadOnlySpan<byte>(reader.CurrentPointer, length));
                }

                return length;
            }

            throw new InvalidModelFileException($"{name} has no embedded resource '{resourceName}'.");
        }
        catch (BadImageFormatException)
        {
            throw new InvalidModelFileException($"{name} is not a readable .NET assembly.");
        }
    }
}
