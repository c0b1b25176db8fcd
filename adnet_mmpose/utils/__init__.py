from .boundary import (Boundary, boundary_normals, load_boundaries, membership,
                       neighbours)

__all__ = ['Boundary', 'load_boundaries', 'membership', 'neighbours', 'boundary_normals']
