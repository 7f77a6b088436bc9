namespace OrleansTwoPc.Silo;

/// <summary>How this silo joins its cluster. Bound from the <c>TwoPc:Cluster</c> configuration section.</summary>
public sealed class SiloHostOptions
{
    public const string Section = "TwoPc:Cluster";

    /// <summary>Cluster id shared by the silos and clients of one deployment. Default <c>orleanstwopc</c>.</summary>
    public string ClusterId { get; set; } = "orleanstwopc";

    /// <summary>Service id; grain state is stored under it, so keep it stable across deployments. Default <c>orleanstwopc</c>.</summary>
    public string ServiceId { get; set; } = "orleanstwopc";

    /// <summary>Port for silo-to-silo traffic. Default 11111.</summary>
    public int SiloPort { get; set; } = 11111;

    /// <summary>Port clients connect to. Default 30000.</summary>
    public int GatewayPort { get; set; } = 30000;
}
