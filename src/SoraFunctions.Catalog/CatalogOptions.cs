using System.ComponentModel.DataAnnotations;

namespace SoraFunctions.Catalog;

/// <summary>Settings of the video catalog (configuration section <c>Catalog</c>).</summary>
public sealed class CatalogOptions
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "Catalog";

    /// <summary>The default table name.</summary>
    public const string DefaultTableName = "videocatalog";

    /// <summary>The Azure Table holding one row per finished video (<c>Catalog__TableName</c>); created if missing.</summary>
    [Required(ErrorMessage = "Catalog:TableName is required.")]
    [RegularExpression(
        "^[A-Za-z][A-Za-z0-9]{2,62}$",
        ErrorMessage = "Catalog:TableName must be 3 to 63 letters or digits and start with a letter.")]
    public string TableName { get; set; } = DefaultTableName;
}
