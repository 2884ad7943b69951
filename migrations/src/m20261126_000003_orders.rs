//! Ordering: the catalog of template versions staff offer, the plans that size each
//! template's services, customers' orders, and the slug reservations that keep an address
//! unique across orders and instances.
//!
//! Seeds the catalog and plans for the built-in `demo` and `openslides-4` templates; staff
//! change them afterwards.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum CatalogVersions {
    Table,
    Id,
    Template,
    Version,
    Available,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Plans {
    Table,
    Template,
    Size,
    Services,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Orders {
    Table,
    Id,
    OrganisationId,
    Name,
    Slug,
    Template,
    Version,
    Plan,
    RentalStart,
    RentalEnd,
    EventDays,
    Contact,
    Note,
    Status,
    Reason,
    InstanceId,
    OrderedBy,
    DecidedBy,
    CreatedAt,
    DecidedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum SlugReservations {
    Table,
    Slug,
    OrderId,
}

#[derive(DeriveIden)]
enum Organisations {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Instances {
    Table,
    Id,
}

/// Versions offered at first: the local demo images and the OpenSlides release the engine's
/// golden test checks.
const SEED_VERSIONS: [(&str, &str); 3] =
    [("demo", "1.0"), ("demo", "1.1"), ("openslides-4", "4.3.2")];

/// Plan sizings at first (JSON: service → replicas and limits), within each template's
/// `x-plenum` scaling rules.
const SEED_PLANS: [(&str, &str, &str); 6] = [
    (
        "demo",
        "small",
        r#"{"db":{"replicas":1,"cpus":"0.5","memory":"256M"},"web":{"replicas":1,"cpus":"0.5","memory":"128M"}}"#,
    ),
    (
        "demo",
        "medium",
        r#"{"db":{"replicas":1,"cpus":"1","memory":"512M"},"web":{"replicas":2,"cpus":"0.5","memory":"128M"}}"#,
    ),
    (
        "demo",
        "large",
        r#"{"db":{"replicas":1,"cpus":"2","memory":"1G"},"web":{"replicas":4,"cpus":"1","memory":"256M"}}"#,
    ),
    (
        "openslides-4",
        "small",
        r#"{"autoupdate":{"replicas":1,"memory":"512M"},"backendAction":{"replicas":1,"memory":"1G"},"backendPresenter":{"replicas":1,"memory":"512M"},"postgres":{"replicas":1,"cpus":"1","memory":"1G"}}"#,
    ),
    (
        "openslides-4",
        "medium",
        r#"{"autoupdate":{"replicas":2,"memory":"1G"},"backendAction":{"replicas":2,"memory":"1G"},"backendPresenter":{"replicas":2,"memory":"1G"},"client":{"replicas":2,"memory":"128M"},"proxy":{"replicas":2,"memory":"128M"},"postgres":{"replicas":1,"cpus":"2","memory":"2G"}}"#,
    ),
    (
        "openslides-4",
        "large",
        r#"{"auth":{"replicas":2,"memory":"512M"},"autoupdate":{"replicas":6,"memory":"1G"},"backendAction":{"replicas":4,"memory":"2G"},"backendPresenter":{"replicas":4,"memory":"1G"},"client":{"replicas":2,"memory":"128M"},"proxy":{"replicas":3,"memory":"256M"},"vote":{"replicas":2,"memory":"512M"},"postgres":{"replicas":1,"cpus":"4","memory":"4G"}}"#,
    ),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.create_table(catalog_versions()).await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_catalog_versions_template_version")
                    .table(CatalogVersions::Table)
                    .col(CatalogVersions::Template)
                    .col(CatalogVersions::Version)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager.create_table(plans()).await?;
        manager.create_table(orders()).await?;
        for (name, cols) in [
            ("idx_orders_organisation", vec![Orders::OrganisationId]),
            (
                "idx_orders_status_start",
                vec![Orders::Status, Orders::RentalStart],
            ),
        ] {
            let mut index = Index::create();
            index.name(name).table(Orders::Table);
            for col in cols {
                index.col(col);
            }
            manager.create_index(index.to_owned()).await?;
        }
        manager.create_table(slug_reservations()).await?;
        seed(manager).await
    }
}

async fn seed(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let now = Expr::current_timestamp();
    let mut versions = Query::insert();
    versions.into_table(CatalogVersions::Table).columns([
        CatalogVersions::Template,
        CatalogVersions::Version,
        CatalogVersions::Available,
        CatalogVersions::CreatedAt,
    ]);
    for (template, version) in SEED_VERSIONS {
        versions
            .values([
                template.into(),
                version.into(),
                true.into(),
                now.clone().into(),
            ])
            .map_err(seed_error)?;
    }
    manager.exec_stmt(versions.to_owned()).await?;
    let mut plans = Query::insert();
    plans.into_table(Plans::Table).columns([
        Plans::Template,
        Plans::Size,
        Plans::Services,
        Plans::UpdatedAt,
    ]);
    for (template, size, services) in SEED_PLANS {
        plans
            .values([
                template.into(),
                size.into(),
                services.into(),
                now.clone().into(),
            ])
            .map_err(seed_error)?;
    }
    manager.exec_stmt(plans.to_owned()).await
}

fn seed_error(e: sea_orm_migration::sea_query::error::Error) -> DbErr {
    DbErr::Custom(format!("seed rows do not match their columns: {e}"))
}

fn timestamp(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col)
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}

fn id(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col)
        .big_integer()
        .not_null()
        .auto_increment()
        .primary_key()
        .to_owned()
}

fn catalog_versions() -> TableCreateStatement {
    Table::create()
        .table(CatalogVersions::Table)
        .col(id(CatalogVersions::Id))
        .col(
            ColumnDef::new(CatalogVersions::Template)
                .string_len(64)
                .not_null(),
        )
        .col(
            ColumnDef::new(CatalogVersions::Version)
                .string_len(128)
                .not_null(),
        )
        // Withdrawn versions stay for orders that name them but are not offered any more.
        .col(
            ColumnDef::new(CatalogVersions::Available)
                .boolean()
                .not_null()
                .default(true),
        )
        .col(timestamp(CatalogVersions::CreatedAt))
        .to_owned()
}

fn plans() -> TableCreateStatement {
    Table::create()
        .table(Plans::Table)
        .col(ColumnDef::new(Plans::Template).string_len(64).not_null())
        // small, medium or large.
        .col(ColumnDef::new(Plans::Size).string_len(16).not_null())
        // Service name → {replicas, cpus, memory}, as a JSON object.
        .col(ColumnDef::new(Plans::Services).text().not_null())
        .col(timestamp(Plans::UpdatedAt))
        .primary_key(Index::create().col(Plans::Template).col(Plans::Size))
        .to_owned()
}

fn orders() -> TableCreateStatement {
    Table::create()
        .table(Orders::Table)
        .col(id(Orders::Id))
        .col(
            ColumnDef::new(Orders::OrganisationId)
                .big_integer()
                .not_null(),
        )
        .col(ColumnDef::new(Orders::Name).string_len(100).not_null())
        // Not unique here: a cancelled or rejected order frees its address; the live
        // reservation is in slug_reservations.
        .col(ColumnDef::new(Orders::Slug).string_len(40).not_null())
        .col(ColumnDef::new(Orders::Template).string_len(64).not_null())
        .col(ColumnDef::new(Orders::Version).string_len(128).not_null())
        .col(ColumnDef::new(Orders::Plan).string_len(16).not_null())
        .col(ColumnDef::new(Orders::RentalStart).date().not_null())
        .col(ColumnDef::new(Orders::RentalEnd).date().not_null())
        // [{"date": "YYYY-MM-DD", "participants": n}, …], as JSON.
        .col(ColumnDef::new(Orders::EventDays).text().not_null())
        .col(ColumnDef::new(Orders::Contact).string_len(200).not_null())
        .col(ColumnDef::new(Orders::Note).text().not_null())
        // pending, approved, rejected, cancelled or provisioned.
        .col(ColumnDef::new(Orders::Status).string_len(16).not_null())
        .col(ColumnDef::new(Orders::Reason).text().null())
        .col(ColumnDef::new(Orders::InstanceId).big_integer().null())
        .col(ColumnDef::new(Orders::OrderedBy).big_integer().null())
        .col(ColumnDef::new(Orders::DecidedBy).big_integer().null())
        .col(timestamp(Orders::CreatedAt))
        .col(
            ColumnDef::new(Orders::DecidedAt)
                .timestamp_with_time_zone()
                .null(),
        )
        .col(timestamp(Orders::UpdatedAt))
        .foreign_key(
            ForeignKey::create()
                .from(Orders::Table, Orders::OrganisationId)
                .to(Organisations::Table, Organisations::Id)
                .on_delete(ForeignKeyAction::Restrict),
        )
        .foreign_key(
            ForeignKey::create()
                .from(Orders::Table, Orders::InstanceId)
                .to(Instances::Table, Instances::Id)
                .on_delete(ForeignKeyAction::SetNull),
        )
        .foreign_key(
            ForeignKey::create()
                .from(Orders::Table, Orders::OrderedBy)
                .to(Users::Table, Users::Id)
                .on_delete(ForeignKeyAction::SetNull),
        )
        .foreign_key(
            ForeignKey::create()
                .from(Orders::Table, Orders::DecidedBy)
                .to(Users::Table, Users::Id)
                .on_delete(ForeignKeyAction::SetNull),
        )
        .to_owned()
}

fn slug_reservations() -> TableCreateStatement {
    Table::create()
        .table(SlugReservations::Table)
        // The primary key is what makes two concurrent orders for one address impossible.
        .col(
            ColumnDef::new(SlugReservations::Slug)
                .string_len(40)
                .not_null()
                .primary_key(),
        )
        .col(
            ColumnDef::new(SlugReservations::OrderId)
                .big_integer()
                .not_null(),
        )
        .foreign_key(
            ForeignKey::create()
                .from(SlugReservations::Table, SlugReservations::OrderId)
                .to(Orders::Table, Orders::Id)
                .on_delete(ForeignKeyAction::Cascade),
        )
        .to_owned()
}
