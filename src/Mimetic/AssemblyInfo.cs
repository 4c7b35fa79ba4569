namespace Mimetic;

/// <summary>Version and identity of the Mimetic library.</summary>
public static class MimeticInfo
{
    /// <summary>The paper this library implements.</summary>
    public const string Paper = "Trockman & Kolter, Mimetic Initialization of Self-Attention Layers, ICML 2023";
}
