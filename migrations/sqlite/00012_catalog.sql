-- +goose Up
-- The catalog: products with one translation per tenant locale, their variants (the matrix of up
-- to three options, stored on the product as an ordered JSON list), prices per variant and
-- currency in minor units, and the inventory ledger, one row per stock change. Tenants gain a
-- default currency, the currencies they sell in and a default low-stock threshold.
ALTER TABLE tenants ADD COLUMN default_currency text NOT NULL DEFAULT 'USD';
ALTER TABLE tenants ADD COLUMN currencies text NOT NULL DEFAULT '["USD"]';
ALTER TABLE tenants ADD COLUMN low_stock_threshold integer NOT NULL DEFAULT 5 CHECK (low_stock_threshold >= 0);

CREATE TABLE products (
    id           text         PRIMARY KEY,
    tenant_id    text         NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    status       text  NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'active', 'archived')),
    vendor       text NOT NULL DEFAULT '',
    product_type text NOT NULL DEFAULT '',
    options      text        NOT NULL DEFAULT '[]',
    published_at datetime,
    version      integer      NOT NULL DEFAULT 1,
    created_at   datetime  NOT NULL,
    updated_at   datetime  NOT NULL
);
CREATE INDEX products_tenant_updated ON products (tenant_id, updated_at DESC, id DESC);
CREATE INDEX products_tenant_status ON products (tenant_id, status);

CREATE TABLE product_translations (
    id              text         PRIMARY KEY,
    product_id      text         NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    tenant_id       text         NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    locale          text  NOT NULL,
    title           text NOT NULL,
    title_search    text NOT NULL,
    handle          text NOT NULL,
    description     text         NOT NULL DEFAULT '',
    seo_title       text NOT NULL DEFAULT '',
    seo_description text NOT NULL DEFAULT '',
    created_at      datetime  NOT NULL,
    updated_at      datetime  NOT NULL
);
CREATE UNIQUE INDEX product_translations_handle_key ON product_translations (tenant_id, locale, handle);
CREATE UNIQUE INDEX product_translations_product_locale_key ON product_translations (product_id, locale);

-- A variant's option values are '' for the options its product does not have. The SKU is
-- optional and unique per tenant when set, without regard to case. With policy deny the stock never goes below zero.
CREATE TABLE product_variants (
    id                  text         PRIMARY KEY,
    product_id          text         NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    tenant_id           text         NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    sku                 text NOT NULL DEFAULT '',
    barcode             text  NOT NULL DEFAULT '',
    option1             text NOT NULL DEFAULT '',
    option2             text NOT NULL DEFAULT '',
    option3             text NOT NULL DEFAULT '',
    position            integer      NOT NULL DEFAULT 0,
    inventory_policy    text  NOT NULL DEFAULT 'deny' CHECK (inventory_policy IN ('deny', 'continue')),
    inventory_quantity  integer       NOT NULL DEFAULT 0,
    low_stock_threshold integer       NOT NULL DEFAULT 5 CHECK (low_stock_threshold >= 0),
    version             integer      NOT NULL DEFAULT 1,
    created_at          datetime  NOT NULL,
    updated_at          datetime  NOT NULL,
    CHECK (inventory_policy = 'continue' OR inventory_quantity >= 0)
);
CREATE UNIQUE INDEX product_variants_sku_key ON product_variants (tenant_id, lower(sku)) WHERE sku <> '';
CREATE UNIQUE INDEX product_variants_options_key ON product_variants (product_id, option1, option2, option3);
CREATE INDEX product_variants_tenant ON product_variants (tenant_id, product_id, position);
CREATE INDEX product_variants_barcode ON product_variants (tenant_id, barcode) WHERE barcode <> '';

CREATE TABLE variant_prices (
    variant_id        text        NOT NULL REFERENCES product_variants (id) ON DELETE CASCADE,
    tenant_id         text        NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    currency          text  NOT NULL,
    amount            integer      NOT NULL CHECK (amount >= 0),
    compare_at_amount integer      CHECK (compare_at_amount IS NULL OR compare_at_amount >= amount),
    updated_at        datetime NOT NULL,
    PRIMARY KEY (variant_id, currency)
);
CREATE INDEX variant_prices_tenant_currency ON variant_prices (tenant_id, currency, amount);

CREATE TABLE inventory_ledger (
    id             text         PRIMARY KEY,
    tenant_id      text         NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    product_id     text         NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    variant_id     text         NOT NULL REFERENCES product_variants (id) ON DELETE CASCADE,
    delta          integer       NOT NULL,
    quantity_after integer       NOT NULL,
    reason         text  NOT NULL CHECK (reason IN ('received', 'correction', 'damaged', 'shrinkage', 'returned', 'other')),
    note           text NOT NULL DEFAULT '',
    actor_id       text         REFERENCES users (id) ON DELETE SET NULL,
    created_at     datetime  NOT NULL
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
