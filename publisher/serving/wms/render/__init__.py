"""Drawing maps: the viewer's symbols as sprites, stamped with numpy, encoded by Pillow."""
