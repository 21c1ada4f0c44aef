"""Legacy data into the product's tables: a mapping, a streamed source, rejects, a balance."""
