using System.Security.Cryptography;

namespace Mimetic.Data;

/// <summary>
/// The digest a file must have: a hash algorithm and its expected value, as lowercase hex. Data set pages publish
/// MD5s; the npm registry publishes a Subresource Integrity string (<c>sha512-</c> and the base64 digest).
/// </summary>
/// <param name="Algorithm">The algorithm: <c>MD5</c>, <c>SHA256</c> or <c>SHA512</c>.</param>
/// <param name="Hex">The expected digest, lowercase hex.</param>
public sealed record FileDigest(string Algorithm, string Hex)
{
    /// <summary>An expected MD5 (hex, any case).</summary>
    public static FileDigest Md5(string hex)
    {
        ArgumentException.ThrowIfNullOrEmpty(hex);
        return new FileDigest(HashAlgorithmName.MD5.Name!, hex.ToLowerInvariant());
    }

    /// <summary>
    /// The digest in a Subresource Integrity string such as npm's <c>dist.integrity</c>
    /// (<c>sha512-</c> followed by the base64 digest; <c>sha256-</c> and <c>sha384-</c> are also read).
    /// </summary>
    /// <exception cref="ArgumentException">Not an integrity string of a known algorithm.</exception>
    public static FileDigest FromIntegrity(string integrity)
    {
        ArgumentException.ThrowIfNullOrEmpty(integrity);
        var dash = integrity.IndexOf('-', StringComparison.Ordinal);
        var algorithm = dash > 0 ? integrity[..dash] : "";
        var name = algorithm switch
        {
            "sha256" => HashAlgorithmName.SHA256.Name!,
            "sha384" => HashAlgorithmName.SHA384.Name!,
            "sha512" => HashAlgorithmName.SHA512.Name!,
            _ => throw new ArgumentException($"'{integrity}' is not a sha256/sha384/sha512 integrity string."),
        };
        try
        {
            return new FileDigest(name, Convert.ToHexStringLower(Convert.FromBase64String(integrity[(dash + 1)..])));
        }
        catch (FormatException e)
        {
            throw new ArgumentException($"'{integrity}' is not a valid integrity string: {e.Message}", e);
        }
    }

    /// <summary>A new incremental hash of this digest's algorithm.</summary>
    public IncrementalHash CreateHash() => IncrementalHash.CreateHash(new HashAlgorithmName(Algorithm));

    /// <summary>Whether <paramref name="actualHex"/> is the expected digest (case-insensitive).</summary>
    public bool Matches(string actualHex) => string.Equals(actualHex, Hex, StringComparison.OrdinalIgnoreCase);
}
