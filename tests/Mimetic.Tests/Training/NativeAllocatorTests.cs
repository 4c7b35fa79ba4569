using Mimetic.Training;

namespace Mimetic.Tests.Training;

public class NativeAllocatorTests
{
    [Fact]
    public void TuningIsDecidedOnceAndAppliesOnGlibc()
    {
        var first = NativeAllocator.Tune();
        Assert.NotEqual(AllocatorTuning.NotAttempted, first);
        Assert.Equal(first, NativeAllocator.Tune());
        Assert.Equal(first, NativeAllocator.State);

        var userChoice = Environment.GetEnvironmentVariable(NativeAllocator.EnvironmentSwitch) == "0"
            || Environment.GetEnvironmentVariable("MALLOC_MMAP_THRESHOLD_") is not null
            || Environment.GetEnvironmentVariable("MALLOC_TRIM_THRESHOLD_") is not null
            || Environment.GetEnvironmentVariable("MALLOC_TOP_PAD_") is not null
            || (Environment.GetEnvironmentVariable("GLIBC_TUNABLES") ?? "").Contains("glibc.malloc.", StringComparison.Ordinal);
        if (OperatingSystem.IsLinux() && File.Exists("/lib/x86_64-linux-gnu/libc.so.6") && !userChoice)
        {
            Assert.Equal(AllocatorTuning.Applied, first);   // this machine: Debian's glibc accepts all three settings
        }
    }
}
