using System.Globalization;
using System.Net;
using System.Net.Sockets;
using OrleansTwoPc.Silo;
using OrleansTwoPc.Tests.Cluster;
using OrleansTwoPc.Tests.Postgres;

namespace OrleansTwoPc.Tests.Hosting;

/// <summary>
/// One silo per port and per SQLite data directory on a machine. Orleans' listeners allow port sharing
/// (SO_REUSEPORT), so a second silo on the same ports would start and take part of the traffic, and a second silo on
/// the same data directory would run the same operation ids in a cluster of its own. Real silo processes of the
/// shipped executable: the second one exits at once, non-zero, with one line that names the port or the directory and
/// the process holding it.
/// </summary>
public sealed class SecondSiloTests
{
    private static readonly TimeSpan Start = TimeSpan.FromSeconds(90);

    /// <summary>How long a refused silo may take to exit: a process start and a host build on a busy 2-core machine.</summary>
    private static readonly TimeSpan Refusal = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_second_silo_process_on_the_ports_of_a_running_one_exits_at_once_naming_the_port_and_the_process()
    {
        using var first = new TempFolder();
        using var second = new TempFolder();
        var (siloPort, gatewayPort) = (SiloProcess.FreePort(), SiloProcess.FreePort());
        await using var running = SiloProcess.StartSqlite(first.Path, siloPort, gatewayPort);
        await running.WaitActiveAsync(Start);

        await using var late = SiloProcess.StartSqlite(second.Path, siloPort, gatewayPort);
        var line = await RefusalLineAsync(late);

        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"silo port 127.0.0.1:{siloPort}"), line, StringComparison.Ordinal);
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"gateway port 127.0.0.1:{gatewayPort}"), line, StringComparison.Ordinal);
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"process {running.Id} "), line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_second_silo_process_on_the_data_directory_of_a_running_one_exits_at_once_naming_the_directory_and_the_process()
    {
        using var folder = new TempFolder();
        await using var running = SiloProcess.StartSqlite(folder.Path, SiloProcess.FreePort(), SiloProcess.FreePort());
        await running.WaitActiveAsync(Start);

        await using var late = SiloProcess.StartSqlite(folder.Path, SiloProcess.FreePort(), SiloProcess.FreePort());
        var line = await RefusalLineAsync(late);

        Assert.Contains(folder.Path, line, StringComparison.Ordinal);
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"process {running.Id} "), line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_killed_silo_leaves_its_data_directory_to_the_next_one()
    {
        using var folder = new TempFolder();
        await using (var killed = SiloProcess.StartSqlite(folder.Path, SiloProcess.FreePort(), SiloProcess.FreePort()))
        {
            await killed.WaitActiveAsync(Start);
            killed.Kill(); // SIGKILL: no shutdown code runs; the kernel drops the process's file locks
            Assert.NotNull(await killed.WaitExitAsync(TimeSpan.FromSeconds(10)));
        }

        await using var next = SiloProcess.StartSqlite(folder.Path, SiloProcess.FreePort(), SiloProcess.FreePort());
        await next.WaitActiveAsync(Start);
    }

    [Fact]
    public void The_silo_host_refuses_a_port_that_a_port_sharing_listener_holds()
    {
        // Listens the way Orleans does: .NET's ReuseAddress sets SO_REUSEPORT too on Linux, so a second silo could share it.
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        var taken = ((IPEndPoint)listener.LocalEndPoint!).Port;

        var refused = Assert.ThrowsAny<InvalidOperationException>(() => SiloHost.Build(["--TwoPc:Storage:Provider=Memory",
            $"--TwoPc:Cluster:SiloPort={SiloProcess.FreePort()}", $"--TwoPc:Cluster:GatewayPort={taken}"]).Dispose());

        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"gateway port 127.0.0.1:{taken}"), refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("silo port", refused.Message, StringComparison.Ordinal);
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"process {Environment.ProcessId} "), refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_port_left_with_connections_in_time_wait_is_free_for_the_next_silo()
    {
        // A silo that just stopped leaves its accepted connections in TIME_WAIT on its port: that must not stop a restart.
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        using (var client = new TcpClient())
        {
            await client.ConnectAsync(IPAddress.Loopback, port);
            using (await listener.AcceptTcpClientAsync())
            {
                // The server side closes first, so its end of the connection goes to TIME_WAIT.
            }

            listener.Stop();
            await Task.Delay(100);
        }

        Assert.True(await TimeWaitOnAsync(port), $"no connection in TIME_WAIT on port {port}");
        Assert.True(PortProbe.IsFree(new IPEndPoint(IPAddress.Loopback, port)));
    }

    private static async Task<bool> TimeWaitOnAsync(int port)
    {
        for (var i = 0; i < 50; i++)
        {
            if (System.Net.NetworkInformation.IPGlobalProperties.GetIPGlobalProperties().GetActiveTcpConnections()
                .Any(c => c.LocalEndPoint.Port == port && c.State == System.Net.NetworkInformation.TcpState.TimeWait))
            {
                return true;
            }

            await Task.Delay(20);
        }

        return false;
    }

    private static async Task<string> RefusalLineAsync(SiloProcess silo)
    {
        var exit = await silo.WaitExitAsync(Refusal);
        Assert.True(exit is not null and not 0, $"the second silo {(exit is null ? "still runs" : "exited with 0")}:\n{silo.Output}");
        return Assert.Single(silo.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }
}
