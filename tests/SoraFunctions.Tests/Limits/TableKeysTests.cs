using SoraFunctions.Limits;

namespace SoraFunctions.Tests.Limits;

public class TableKeysTests
{
    [Theory]
    [InlineData("job-123_abc", "job-123_abc")]
    [InlineData("a/b", "a.2Fb")]
    [InlineData("a.b", "a.2Eb")]
    [InlineData("é", ".C3.A9")]
    public void Escape_KeepsPlainIdsReadableAndEscapesTheRest(string id, string expected)
    {
        Assert.Equal(expected, TableKeys.Escape(id));
    }

    [Fact]
    public void Escape_OnlyEverEmitsCharactersTablesAccept()
    {
        string[] ids = ["a/b\\c#d?e", "tab\tnew\nline\u0001", "ümlaut@contoso.com", "%2F", "..h-", new string('x', 300), new string('/', 100)];

        foreach (string id in ids)
        {
            string key = TableKeys.Escape(id);
            Assert.Matches("^[A-Za-z0-9._-]+$", key);
            Assert.True(key.Length <= 256, key);
        }
    }

    [Fact]
    public void Escape_DistinctIdsGetDistinctKeys()
    {
        string[] ids = ["a/b", "a.2Fb", "a_b", "A/b", ".h-abc", new string('x', 300), new string('x', 301), new string('/', 100), new string('/', 101)];

        Assert.Equal(ids.Length, ids.Select(TableKeys.Escape).Distinct(StringComparer.Ordinal).Count());
    }
}
