using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using OrleansTwoPc.Storage.Sqlite;

namespace OrleansTwoPc.Silo;

/// <summary>The silo host will not start: another process has its port or its data directory. The message is one line.</summary>
public sealed class SiloStartRefusedException(string message, Exception? inner = null) : InvalidOperationException(message, inner);
