using System.Net;

namespace OrleansTwoPc.Silo;

/// <summary>How this silo joins its cluster. Bound from the <c>TwoPc:Cluster</c> configuration section.</summary>
public sealed class SiloHostOptions
{
    public const string Section = "TwoPc:Cluster";

    /// <summary>Cluster id shared by the silos and clients of one deployment. Default <c>orleanstwopc</c>.</summary>
    public string ClusterId { get; set; } = "orleanstwopc";

    /// <summary>Service id; grain state is stored under it, so keep it stable across deployments. Default <c>orleanstwopc</c>.</summary>
    public string ServiceId { get; set; } = "orleanstwopc";

    /// <summary>Port for silo-to-silo traffic; distinct per silo on one host. Default 11111.</summary>
    public int SiloPort { get; set; } = 11111;

    /// <summary>Port clients connect to; distinct per silo on one host. Default 30000.</summary>
    public int GatewayPort { get; set; } = 30000;

    /// <summary>
    /// The IP address this silo publishes in the membership table: other silos and clients connect to it.
    /// Used with PostgreSQL clustering (localhost clustering always uses the loopback). Default <c>127.0.0.1</c>.
    /// </summary>
    public string AdvertisedAddress { get; set; } = "127.0.0.1";

    /// <summary>
    /// The IP address the silo and gateway ports listen on. Default <c>127.0.0.1</c> (this host only); set
    /// <c>0.0.0.0</c> to accept other machines, with <see cref="AdvertisedAddress"/> set to this host's address.
    /// Used with PostgreSQL clustering.
    /// </summary>
    public string ListenAddress { get; set; } = "127.0.0.1";

    public IPAddress AdvertisedIp => IPAddress.Parse(AdvertisedAddress);

    public IPAddress ListenIp => IPAddress.Parse(ListenAddress);

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad value.</summary>
    public void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(ClusterId, nameof(ClusterId));
        ArgumentException.ThrowIfNullOrWhiteSpace(ServiceId, nameof(ServiceId));
        ArgumentOutOfRangeException.ThrowIfLessThan(SiloPort, 1, nameof(SiloPort));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(SiloPort, 65535, nameof(SiloPort));
        ArgumentOutOfRangeException.ThrowIfLessThan(GatewayPort, 1, nameof(GatewayPort));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(GatewayPort, 65535, nameof(GatewayPort));
        if (SiloPort == GatewayPort)
        {
            throw new ArgumentException($"SiloPort and GatewayPort must differ (both {SiloPort})", nameof(GatewayPort));
        }

        if (!IPAddress.TryParse(AdvertisedAddress, out var advertised) || advertised.Equals(IPAddress.Any) || advertised.Equals(IPAddress.IPv6Any))
        {
            throw new ArgumentException($"AdvertisedAddress must be an IP address other silos can reach; got '{AdvertisedAddress}'", nameof(AdvertisedAddress));
        }

        if (!IPAddress.TryParse(ListenAddress, out _))
        {
            throw new ArgumentException($"ListenAddress must be an IP address (0.0.0.0 for every interface); got '{ListenAddress}'", nameof(ListenAddress));
        }
    }
}
