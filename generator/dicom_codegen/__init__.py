"""dicom_codegen: generates the typed DICOM model from the standard's DocBook XML.

The generator reads PS3.3, PS3.4, PS3.6 and PS3.7 into an intermediate model of
frozen dataclasses (:mod:`dicom_codegen.model`), runs small ordered passes over it
(:mod:`dicom_codegen.passes`) and renders Jinja templates
(:mod:`dicom_codegen.render`). It never imports ``dicom_runtime`` or ``dicom_model``.
"""

__version__ = "0.3.0"
