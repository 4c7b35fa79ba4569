using static TorchSharp.torch;

namespace Mimetic.Tests.Language;

internal static class TensorAssert
{
    /// <summary>Same shape and exactly the same values (any dtype).</summary>
    public static bool Identical(this Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();
}
