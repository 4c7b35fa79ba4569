namespace Mimetic.Tests;

public class SmokeTests
{
    [Fact]
    public void PaperIsNamed() => Assert.Contains("Mimetic", MimeticInfo.Paper, StringComparison.Ordinal);
}
