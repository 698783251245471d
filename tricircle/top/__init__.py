"""What the top owns and pods receive copies of: flavors, key pairs, volume types."""
