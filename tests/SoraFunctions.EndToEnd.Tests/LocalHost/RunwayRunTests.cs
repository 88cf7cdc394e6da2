using SoraFunctions.EndToEnd.Tests.Support;
using SoraFunctions.LocalHost.Cli;

namespace SoraFunctions.EndToEnd.Tests.LocalHost;

/// <summary><c>Provider=Runway … run "a prompt"</c> with no Runway key: the local host starts the emulator's Runway face itself.</summary>
[Collection(EndToEndGroup.Name)]
public class RunwayRunTests(EndToEndFixture fixture)
{
    [Fact]
    public async Task Run_ProviderRunwayWithoutAKey_MakesAnMp4ThroughTheEmulatorsRunwayFace()
    {
        Dictionary<string, string> environment = fixture.HostEnvironment("e2erunwayrun");
        environment.Remove("Sora__BaseUrl");
        environment.Remove("Sora__ApiKey");
        environment["Provider"] = "Runway";
        string output = Path.Combine(Path.GetTempPath(), $"runway-{Guid.NewGuid():N}.mp4");
        try
        {
            await using var run = LocalHostRun.Start(["run", "a red fox [[render=2]]", "--out", output, "--urls", "http://127.0.0.1:0"], environment);

            int exitCode = await run.WaitForExitAsync(TimeSpan.FromMinutes(2));

            Assert.True(exitCode == ExitCodes.Success, $"exit code {exitCode}:{Environment.NewLine}{run.Output}");
            Assert.Contains("Runway", run.Output, StringComparison.Ordinal);
            byte[] video = await File.ReadAllBytesAsync(output);
            Assert.Equal("ftyp"u8.ToArray(), video[4..8]);
        }
        finally
        {
            File.Delete(output);
        }
    }
}
