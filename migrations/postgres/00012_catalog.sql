-- +goose Up
-- The catalog: products with one translation per tenant locale, their variants (the matrix of up
-- to three options, stored on the product as an ordered JSON list), prices per variant and
-- currency in minor units, and the inventory ledger, one row per stock change. Tenants gain a
-- default currency, the currencies they sell in and a default low-stock threshold.
ALTER TABLE tenants ADD COLUMN default_currency varchar(3) NOT NULL DEFAULT 'USD';
ALTER TABLE tenants ADD COLUMN currencies jsonb NOT NULL DEFAULT '["USD"]';
ALTER TABLE tenants ADD COLUMN low_stock_threshold bigint NOT NULL DEFAULT 5 CHECK (low_stock_threshold >= 0);

CREATE TABLE products (
    id           uuid         PRIMARY KEY,
    tenant_id    uuid         NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    status       varchar(16)  NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'active', 'archived')),
    vendor       varchar(200) NOT NULL DEFAULT '',
    product_type varchar(200) NOT NULL DEFAULT '',
    options      jsonb        NOT NULL DEFAULT '[]',
    published_at timestamptz,
    version      integer      NOT NULL DEFAULT 1,
    created_at   timestamptz  NOT NULL,
    updated_at   timestamptz  NOT NULL
);
CREATE INDEX products_tenant_updated ON products (tenant_id, updated_at DESC, id DESC);
CREATE INDEX products_tenant_status ON products (tenant_id, status);

CREATE TABLE product_translations (
    id              uuid         PRIMARY KEY,
    product_id      uuid         NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    tenant_id       uuid         NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    locale          varchar(35)  NOT NULL,
    title           varchar(200) NOT NULL,
    title_search    varchar(800) NOT NULL,
    handle          varchar(100) NOT NULL,
    description     text         NOT NULL DEFAULT '',
    seo_title       varchar(200) NOT NULL DEFAULT '',
    seo_description varchar(500) NOT NULL DEFAULT '',
    created_at      timestamptz  NOT NULL,
    updated_at      timestamptz  NOT NULL
);
CREATE UNIQUE INDEX product_translations_handle_key ON product_translations (tenant_id, locale, handle);
CREATE UNIQUE INDEX product_translations_product_locale_key ON product_translations (product_id, locale);

-- A variant's option values are '' for the options its product does not have. The SKU is
-- optional and unique per tenant when set, without regard to case. With policy deny the stock never goes below zero.
CREATE TABLE product_variants (
    id                  uuid         PRIMARY KEY,
    product_id          uuid         NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    tenant_id           uuid         NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    sku                 varchar(100) NOT NULL DEFAULT '',
    barcode             varchar(64)  NOT NULL DEFAULT '',
    option1             varchar(100) NOT NULL DEFAULT '',
    option2             varchar(100) NOT NULL DEFAULT '',
    option3             varchar(100) NOT NULL DEFAULT '',
    position            integer      NOT NULL DEFAULT 0,
    inventory_policy    varchar(16)  NOT NULL DEFAULT 'deny' CHECK (inventory_policy IN ('deny', 'continue')),
    inventory_quantity  bigint       NOT NULL DEFAULT 0,
    low_stock_threshold bigint       NOT NULL DEFAULT 5 CHECK (low_stock_threshold >= 0),
    version             integer      NOT NULL DEFAULT 1,
    created_at          timestamptz  NOT NULL,
    updated_at          timestamptz  NOT NULL,
    CHECK (inventory_policy = 'continue' OR inventory_quantity >= 0)
);
CREATE UNIQUE INDEX product_variants_sku_key ON product_variants (tenant_id, lower(sku)) WHERE sku <> '';
CREATE UNIQUE INDEX product_variants_options_key ON product_variants (product_id, option1, option2, option3);
CREATE INDEX product_variants_tenant ON product_variants (tenant_id, product_id, position);
CREATE INDEX product_variants_barcode ON product_variants (tenant_id, barcode) WHERE barcode <> '';

CREATE TABLE variant_prices (
    variant_id        uuid        NOT NULL REFERENCES product_variants (id) ON DELETE CASCADE,
    tenant_id         uuid        NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    currency          varchar(3)  NOT NULL,
    amount            bigint      NOT NULL CHECK (amount >= 0),
    compare_at_amount bigint      CHECK (compare_at_amount IS NULL OR compare_at_amount >= amount),
    updated_at        timestamptz NOT NULL,
    PRIMARY KEY (variant_id, currency)
);
CREATE INDEX variant_prices_tenant_currency ON variant_prices (tenant_id, currency, amount);

CREATE TABLE inventory_ledger (
    id             uuid         PRIMARY KEY,
    tenant_id      uuid         NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    product_id     uuid         NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    variant_id     uuid         NOT NULL REFERENCES product_variants (id) ON DELETE CASCADE,
    delta          bigint       NOT NULL,
    quantity_after bigint       NOT NULL,
    reason         varchar(16)  NOT NULL CHECK (reason IN ('received', 'correction', 'damaged', 'shrinkage', 'returned', 'other')),
    note           varchar(500) NOT NULL DEFAULT '',
    actor_id       uuid         REFERENCES users (id) ON DELETE SET NULL,
    created_at     timestamptz  NOT NULL
);
CREATE INDEX inventory_ledger_variant ON inventory_ledger (variant_id, created_at DESC, id DESC);

-- +goose Down
DROP TABLE inventory_ledger;
DROP TABLE variant_prices;
DROP TABLE product_variants;
DROP TABLE product_translations;
DROP TABLE products;
ALTER TABLE tenants DROP COLUMN low_stock_threshold;
ALTER TABLE tenants DROP COLUMN currencies;
ALTER TABLE tenants DROP COLUMN default_currency;
