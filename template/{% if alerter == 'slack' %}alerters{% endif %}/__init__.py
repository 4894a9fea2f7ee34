"""Stack component flavors of this project."""
