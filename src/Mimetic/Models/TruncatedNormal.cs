using static TorchSharp.torch;

namespace Mimetic.Models;

/// <summary>
/// Fills a tensor from a normal distribution truncated to [a, b], by the inverse-CDF method that
/// PyTorch's <c>trunc_normal_</c> uses. TorchSharp 0.107's own <c>nn.init.trunc_normal_</c> fills the
/// tensor with the constant <c>std</c> instead (every weight equal), so the project does not call it.
/// </summary>
public static class TruncatedNormal
{
    /// <summary>Fills <paramref name="tensor"/> in place with N(mean, std²) truncated to [a, b]; records no gradient.</summary>
    public static Tensor Fill(Tensor tensor, double std, double a, double b, double mean = 0, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (!(std > 0) || !(a < b))
        {
            throw new ArgumentException($"Truncated normal needs std > 0 and a < b, got std {std}, [{a}, {b}].");
        }

        using var noGrad = no_grad();
        var low = NormalCdf((a - mean) / std);
        var high = NormalCdf((b - mean) / std);
        tensor.uniform_(2 * low - 1, 2 * high - 1, generator);
        tensor.erfinv_().mul_(std * Math.Sqrt(2)).add_(mean).clamp_(a, b);
        return tensor;
    }

    private static double NormalCdf(double x)
    {
        using var value = tensor(x / Math.Sqrt(2), ScalarType.Float64);
        using var erf = special.erf(value);
        return (1 + erf.item<double>()) / 2;
    }
}
