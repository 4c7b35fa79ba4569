namespace Mimetic.Data;

/// <summary>Progress of a file download, reported through <see cref="IProgress{T}"/>.</summary>
/// <param name="FileName">The name of the file being downloaded.</param>
/// <param name="BytesReceived">Bytes received so far.</param>
/// <param name="TotalBytes">The size announced by the server, when it announced one.</param>
public readonly record struct DownloadProgress(string FileName, long BytesReceived, long? TotalBytes)
{
    /// <summary>The fraction done, between 0 and 1, when the total size is known.</summary>
    public double? Fraction => TotalBytes is > 0 ? Math.Min(1.0, (double)BytesReceived / TotalBytes.Value) : null;
}
