using SkiaSharp;

namespace Mimetic.Reports;

/// <summary>
/// Whether pictures can carry text. SkiaSharp's Linux build used here reads fonts from <c>/usr/share/fonts</c>
/// without fontconfig; with no font there, plots are still drawn, only without titles and labels.
/// </summary>
public static class PlotFonts
{
    /// <summary>True when at least one font is installed (without one, SkiaSharp's default typeface has no glyphs).</summary>
    public static bool AnyInstalled => SKTypeface.Default.GlyphCount > 0;

    /// <summary>A one-line hint for users when no font is installed, else null.</summary>
    public static string? MissingFontsHint => AnyInstalled
        ? null
        : "no fonts found in /usr/share/fonts: the pictures have no text (install e.g. fonts-dejavu-core)";
}
