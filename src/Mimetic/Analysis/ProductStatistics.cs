using static TorchSharp.torch;

namespace Mimetic.Analysis;

/// <summary>
/// How much a square matrix M looks like a multiple of the identity.
/// </summary>
/// <param name="MeanDiagonal">Mean of diag(M).</param>
/// <param name="OffDiagonalMean">Mean of the entries off the diagonal.</param>
/// <param name="OffDiagonalStd">Standard deviation of the entries off the diagonal.</param>
/// <param name="IdentityScore">Cosine similarity of M with I: trace(M) / (‖M‖_F·√d), in [−1, 1]; +1 for c·I with c &gt; 0, −1 for c &lt; 0.</param>
public sealed record ProductStatistics(double MeanDiagonal, double OffDiagonalMean, double OffDiagonalStd, double IdentityScore)
{
    /// <summary>Statistics of one d×d matrix.</summary>
    public static ProductStatistics Of(Tensor matrix)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        if (matrix.dim() != 2 || matrix.shape[0] != matrix.shape[1] || matrix.shape[0] < 2)
        {
            throw new ArgumentException($"Expected a square matrix of size ≥ 2, got [{string.Join(", ", matrix.shape)}].", nameof(matrix));
        }

        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var m = matrix.to(ScalarType.Float64);
        var d = m.shape[0];
        var diagonal = m.diagonal();
        var offMask = eye(d, dtype: ScalarType.Bool).logical_not();
        var off = m.masked_select(offMask);
        var norm = m.norm().item<double>();
        var trace = diagonal.sum().item<double>();
        return new ProductStatistics(
            diagonal.mean().item<double>(),
            off.mean().item<double>(),
            off.std().item<double>(),
            norm == 0 ? 0 : trace / (norm * Math.Sqrt(d)));
    }

    /// <summary>Statistics of each matrix of an n×d×d stack.</summary>
    public static IReadOnlyList<ProductStatistics> OfEach(Tensor stack)
    {
        ArgumentNullException.ThrowIfNull(stack);
        var result = new List<ProductStatistics>();
        for (var i = 0; i < stack.shape[0]; i++)
        {
            using var item = stack[i];
            result.Add(Of(item));
        }

        return result;
    }
}
