-- mysql
CREATE TABLE wp_posts (ID bigint unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY, post_title text NOT NULL, subtitle text, extra json);
-- A table of its own settings references no row: a key/value store, not another table's attributes.
CREATE TABLE wp_options (option_id bigint unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY, option_name varchar(191) NOT NULL, option_value longtext NOT NULL);
-- A name beside a number of its own is an ordinary row.
CREATE TABLE products (id bigint PRIMARY KEY, category_id bigint, name varchar(100), price_value decimal(10,2));
