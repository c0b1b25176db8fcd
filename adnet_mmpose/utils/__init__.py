from .boundary import (Boundary, boundary_normals, layout_size, load_boundaries, membership,
                       neighbours)

__all__ = ['Boundary', 'load_boundaries', 'layout_size', 'membership', 'neighbours',
           'boundary_normals']
