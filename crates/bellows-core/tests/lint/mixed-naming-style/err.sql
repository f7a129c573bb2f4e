CREATE TABLE customer_orders (id bigint PRIMARY KEY, placed_at timestamptz, total_amount numeric);
CREATE TABLE "LineItems" (id bigint PRIMARY KEY, "orderId" bigint, "unitPrice" numeric);
